// Package dev is the root of the development tooling: the local stack, the
// fault proxies and suite, the cost meter and model, the dynalite launcher,
// the template reader, the effect simulator and the mains' shared start
// and exit (toolmain) live in its subpackages. None of it is linked into a
// Lambda or the operators' tool; its mains are under infra/.
package dev
