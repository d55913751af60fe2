// Package dev is the root of the development tooling: the local stack, the
// fault proxies and suite, the cost meter and model, the dynalite launcher,
// the template reader and the effect simulator live in its subpackages. None
// of it is linked into a Lambda or the operators' tool; its mains are under
// infra/.
package dev
