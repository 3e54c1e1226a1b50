package events

// What became of the CancelTask call a worker makes at a task's deadline (Data.Cancel).
const (
	// CancelAccepted: ECS accepted the call; the task ends with TaskStatus Deleted.
	CancelAccepted = "accepted"
	// CancelNotSupported: the task cannot be canceled (it is neither an ImportImage or
	// ExportImage task nor one ECS reports SupportCancel for), so no call was made.
	CancelNotSupported = "not_supported"
)

// CancelRefused is Data.Cancel when ECS refused the call with the error code code, such as
// InvalidTaskId.IncorrectTaskStatus.
func CancelRefused(code string) string { return "refused: " + code }

// CancelError is Data.Cancel when the call got no answer ECS gave (a timeout, a connection
// error, a 5xx); what names the failure.
func CancelError(what string) string { return "error: " + what }
