package ecsemu

import (
	"fmt"
	"net/http"
)

// Error codes answered by the emulator. The HTTP status and message of each
// are those of the real service (see errorFor).
const (
	CodeMissingParameter      = "MissingParameter"
	CodeInvalidParameter      = "InvalidParameter"
	CodeInvalidRegionNotFound = "InvalidRegionId.NotFound"
	CodeInvalidTaskNotFound   = "InvalidTaskId.NotFound"
	CodeTaskActionNotSupport  = "InvalidTaskId.TaskActionNotSupport"
	CodeIncorrectTaskStatus   = "InvalidTaskId.IncorrectTaskStatus"
	CodeInvalidAction         = "InvalidAction.NotFound"
	CodeInvalidVersion        = "InvalidVersion"
	CodeThrottlingUser        = "Throttling.User"
	CodeServiceUnavailable    = "ServiceUnavailable"
	CodeInternalError         = "InternalError"
	CodeBadGateway            = "BadGateway" // non-JSON HTML 502, as from a proxy
	CodeDrop                  = "Drop"       // connection closed without an answer
	CodeAccessKeyNotFound     = "InvalidAccessKeyId.NotFound"
	CodeAccessKeyInactive     = "InvalidAccessKeyId.Inactive"
	CodeSignatureDoesNotMatch = "SignatureDoesNotMatch"
	CodeIncompleteSignature   = "IncompleteSignature"
	CodeTimeStampExpired      = "InvalidTimeStamp.Expired"
	CodeTimeStampFormat       = "InvalidTimeStamp.Format"
	CodeSignatureNonceUsed    = "SignatureNonceUsed"
	CodeSecurityTokenMismatch = "InvalidSecurityToken.MismatchWithAccessKey"
	CodeForbiddenRAM          = "Forbidden.RAM"
	CodeRequestTooLarge       = "RequestEntityTooLarge"
	CodeInvalidImageNotFound  = "InvalidImageId.NotFound"
	CodeOK                    = "OK"
)

// apiError is an error answer of the API: an HTTP status and the Code and
// Message of the JSON error body.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

// errorFor returns the error answer for code with the real HTTP status and
// message. arg fills the parameter name of MissingParameter and
// InvalidParameter. An unknown code is answered 400 with a generic message.
func errorFor(code, arg string) *apiError {
	st, msg := http.StatusBadRequest, ""
	switch code {
	case CodeMissingParameter:
		msg = fmt.Sprintf("An input parameter %q that is mandatory for processing the request is not supplied.", arg)
	case CodeInvalidParameter:
		msg = fmt.Sprintf("The specified parameter %q is not valid.", arg)
	case CodeInvalidRegionNotFound:
		msg = "The specified RegionId does not exist."
	case CodeInvalidTaskNotFound:
		msg = `The specified "TaskId" is not found.`
	case CodeTaskActionNotSupport:
		st, msg = http.StatusForbidden, "The specified task action not support."
	case CodeIncorrectTaskStatus:
		st, msg = http.StatusForbidden, "The specified task status is invalid."
	case CodeInvalidAction:
		st, msg = http.StatusNotFound, "Specified api is not found, please check your url and method."
	case CodeInvalidVersion:
		msg = "Specified parameter Version is not valid."
	case CodeThrottlingUser:
		msg = "Request was denied due to user flow control."
	case CodeServiceUnavailable:
		st, msg = http.StatusServiceUnavailable, "The request has failed due to a temporary failure of the server."
	case CodeInternalError:
		st, msg = http.StatusInternalServerError, "The request processing has failed due to some unknown error, exception or failure."
	case CodeBadGateway:
		st, msg = http.StatusBadGateway, "Bad Gateway"
	case CodeAccessKeyNotFound:
		st, msg = http.StatusNotFound, "Specified access key is not found."
	case CodeAccessKeyInactive:
		msg = "Specified access key is disabled."
	case CodeSignatureDoesNotMatch:
		msg = "Specified signature is not matched with our calculation."
		if arg != "" {
			msg += " server string to sign is:" + arg
		}
	case CodeIncompleteSignature:
		msg = "The request signature does not conform to Aliyun standards."
	case CodeTimeStampExpired:
		msg = "Specified time stamp or date value is expired."
	case CodeTimeStampFormat:
		msg = "Specified time stamp or date value is not well formatted."
	case CodeSignatureNonceUsed:
		msg = "Specified signature nonce was used already."
	case CodeSecurityTokenMismatch:
		msg = "Specified SecurityToken mismatch with the AccessKey."
	case CodeForbiddenRAM:
		st, msg = http.StatusForbidden, "User not authorized to operate on the specified resource, or this API doesn't support RAM."
	case CodeRequestTooLarge:
		st, msg = http.StatusRequestEntityTooLarge, "The request entity is too large."
	case CodeInvalidImageNotFound:
		msg = "The specified ImageId does not exist."
	default:
		msg = "The request has failed: " + code + "."
	}
	return &apiError{status: st, code: code, message: msg}
}
