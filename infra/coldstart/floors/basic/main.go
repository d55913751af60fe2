// Command basic is the first Go floor for cold starts: aws-lambda-go, the
// aws-sdk-go-v2 DynamoDB client and twilio-go, a Shopify HMAC check and one
// conditional PutItem (infra/coldstart/floors/floor).
package main

import "github.com/thankyoucalls/thankyoucalls/infra/coldstart/floors/floor"

func main() { floor.Run(nil) }
