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
	CodeSecurityTokenExpired  = "InvalidSecurityToken.Expired"
	CodeForbiddenRAM          = "Forbidden.RAM"
	CodeRequestTooLarge       = "RequestEntityTooLarge"
	CodeInvalidImageNotFound  = "InvalidImageId.NotFound"
	CodeOK                    = "OK"
)

// Error codes of STS AssumeRole (API version 2015-04-01).
const (
	CodeNoPermission       = "NoPermission"
	CodeRoleNotFound       = "EntityNotExist.Role"
	CodeInvalidRoleArn     = "InvalidParameter.RoleArn"
	CodeInvalidSessionName = "InvalidParameter.RoleSessionName"
	CodeInvalidDuration    = "InvalidParameter.DurationSeconds"
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
// InvalidParameter, and ends the message of SignatureDoesNotMatch (the server's
// string to sign). An unknown code is answered 400 with a generic message.
func errorFor(code, arg string) *apiError {
	st, msg := errorText(code)
	switch code {
	case CodeMissingParameter, CodeInvalidParameter:
		msg = fmt.Sprintf(msg, arg)
	case CodeSignatureDoesNotMatch:
		if arg != "" {
			msg += " server string to sign is:" + arg
		}
	}
	return &apiError{status: st, code: code, message: msg}
}

// errorText returns the HTTP status and message of code as the real service answers it; a
// %q in the message stands for the parameter.
func errorText(code string) (int, string) {
	for _, e := range [...]struct {
		code   string
		status int
		msg    string
	}{
		{CodeMissingParameter, http.StatusBadRequest, "An input parameter %q that is mandatory for processing the request is not supplied."},
		{CodeInvalidParameter, http.StatusBadRequest, "The specified parameter %q is not valid."},
		{CodeInvalidRegionNotFound, http.StatusBadRequest, "The specified RegionId does not exist."},
		{CodeInvalidTaskNotFound, http.StatusBadRequest, `The specified "TaskId" is not found.`},
		{CodeTaskActionNotSupport, http.StatusForbidden, "The specified task action not support."},
		{CodeIncorrectTaskStatus, http.StatusForbidden, "The specified task status is invalid."},
		{CodeInvalidAction, http.StatusNotFound, "Specified api is not found, please check your url and method."},
		{CodeInvalidVersion, http.StatusBadRequest, "Specified parameter Version is not valid."},
		{CodeThrottlingUser, http.StatusBadRequest, "Request was denied due to user flow control."},
		{CodeServiceUnavailable, http.StatusServiceUnavailable, "The request has failed due to a temporary failure of the server."},
		{CodeInternalError, http.StatusInternalServerError, "The request processing has failed due to some unknown error, exception or failure."},
		{CodeBadGateway, http.StatusBadGateway, "Bad Gateway"},
		{CodeAccessKeyNotFound, http.StatusNotFound, "Specified access key is not found."},
		{CodeAccessKeyInactive, http.StatusBadRequest, "Specified access key is disabled."},
		{CodeSignatureDoesNotMatch, http.StatusBadRequest, "Specified signature is not matched with our calculation."},
		{CodeIncompleteSignature, http.StatusBadRequest, "The request signature does not conform to Aliyun standards."},
		{CodeTimeStampExpired, http.StatusBadRequest, "Specified time stamp or date value is expired."},
		{CodeTimeStampFormat, http.StatusBadRequest, "Specified time stamp or date value is not well formatted."},
		{CodeSignatureNonceUsed, http.StatusBadRequest, "Specified signature nonce was used already."},
		{CodeSecurityTokenMismatch, http.StatusBadRequest, "Specified SecurityToken mismatch with the AccessKey."},
		{CodeSecurityTokenExpired, http.StatusBadRequest, "Specified SecurityToken is expired."},
		{CodeNoPermission, http.StatusForbidden, "You are not authorized to do this action. You should be authorized by RAM."},
		{CodeRoleNotFound, http.StatusNotFound, "The role not exists."},
		{CodeInvalidRoleArn, http.StatusBadRequest, "The parameter RoleArn is wrongly formed."},
		{CodeInvalidSessionName, http.StatusBadRequest, "The parameter RoleSessionName is wrongly formed."},
		{CodeInvalidDuration, http.StatusBadRequest, "The parameter DurationSeconds is out of range."},
		{CodeForbiddenRAM, http.StatusForbidden, "User not authorized to operate on the specified resource, or this API doesn't support RAM."},
		{CodeRequestTooLarge, http.StatusRequestEntityTooLarge, "The request entity is too large."},
		{CodeInvalidImageNotFound, http.StatusBadRequest, "The specified ImageId does not exist."},
	} {
		if e.code == code {
			return e.status, e.msg
		}
	}
	return http.StatusBadRequest, "The request has failed: " + code + "."
}
