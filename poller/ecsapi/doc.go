// Package ecsapi is the boundary to the official Alibaba Cloud ECS SDK
// (github.com/alibabacloud-go/ecs-20140526/v7). It is the only package of taskpoller that
// imports the SDK: it turns the SDK's pointer models into poller.Task, poller.TaskStatus and
// poller.ListedTask values and the SDK's errors into *poller.APIError, so the rest of the code
// never sees either. Client implements poller.TaskAPI, poller.BatchTaskAPI,
// poller.TaskLister (ListTasks: DescribeTasks by creation time) and poller.TaskCanceler.
//
// Every answer's body is read up to MaxResponseBytes; a longer one fails the call with
// ErrResponseTooLarge, a transient error. A failing credential (chain) gives a ClientError
// that wraps poller.ErrNoCredentials, whose message names the failed providers with fixed
// text and never quotes the credential's own error, which can contain the content of
// credential files. A Client tells where its calls go (Endpoint), which the poller logs.
//
// An accounts file (AccountsFile: LoadAccounts, ParseAccounts; docs/accounts.md) lists the
// accounts one fleet serves; NewAccountCredential builds an account's credential with
// credentials-go, for Config.Credential, its errors as redacted as the default chain's. Without
// a file, DefaultAccounts is one unnamed account with the default chain.
//
// The SDK never retries; neither does this package. Callers decide (see poller.Classify).
// A Client is safe for concurrent use. Its memory is bounded by the regions it called in the
// last 15 minutes: the SDK clients of a region unused for 10 minutes are dropped.
package ecsapi
