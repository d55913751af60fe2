// Package samlocal holds the test that proves `sam local invoke` works on
// any day, without the SAM CLI: it builds the three bootstraps with the
// Makefile targets sam build runs (BuildMethod makefile), for this
// machine's architecture family, writes the fixtures for the current time
// with `make events`, and runs every fixture of events/README.md, top to
// bottom, through the real binaries under a Lambda Runtime API emulator
// (infra/lambdaemu) with events/env.json (host.docker.internal mapped to
// loopback, AWS_SAM_LOCAL=true as sam local sets it), against dynalite and
// the local Twilio that `make dynamodb` starts. Each fixture must give the
// outcome the README documents; the story the README tells (an order, the
// sweep three days later, the status callback, a STOP, `thankyou tasks
// list`) is checked step by step.
package samlocal
