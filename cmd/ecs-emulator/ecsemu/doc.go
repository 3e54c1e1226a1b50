// Package ecsemu is an in-process emulator of the Alibaba Cloud ECS OpenAPI
// (version 2014-05-26) for the asynchronous task actions taskpoller uses:
// ExportImage, ImportImage, ModifyDiskSpec, DescribeTaskAttribute,
// DescribeTasks and CancelTask; and of STS AssumeRole (2015-04-01), so that
// RAM role credentials can be tested end to end.
//
// It is faithful on the wire: the unmodified official Go SDK
// (github.com/alibabacloud-go/ecs-20140526/v7) pointed at Server.Endpoint
// with Protocol "http" cannot tell it from the real service. Requests are
// RPC style (POST or GET, parameters in the query, the action in the
// x-acs-action header or the legacy Action parameter), signed with
// ACS3-HMAC-SHA256 or the legacy HMAC-SHA1 signature, and answered with the
// JSON shapes, HTTP statuses and error bodies of the real service.
//
// Guarantees:
//   - Every exported method of Server is safe for concurrent use.
//   - New starts one goroutine per listener (HTTP, and HTTPS with WithTLS);
//     Close stops them, closes all connections and waits for every handler,
//     so nothing leaks.
//     Task lifecycles need no goroutines: the state of a task is computed
//     from the clock when it is asked for.
//   - No input makes the server panic; malformed input gets the error code
//     the real service uses (see docs/ecs-emulator.md).
//   - Task IDs look like real ones ("t-" and 20 lowercase alphanumerics) and
//     are unique within one Server.
//   - Every task belongs to one account, and every access key: a call sees,
//     lists and cancels only the tasks of its key's account, and quotas are
//     counted per account and region, as ECS counts them. Keys given without
//     an account belong to DefaultAccountID.
//   - AssumeRole issues a key of the role's account with a security token
//     and an expiry; calls signed with it are accepted until it expires, then
//     answered 400 InvalidSecurityToken.Expired.
//   - DescribeTasks without TaskIds lists every task of a region, however it
//     was created, newest first in an order that only tasks created meanwhile
//     shift; StartTime and EndTime are compared with the minute a task's
//     CreationTime holds (see docs/ecs-emulator.md, "Listing tasks").
//
// Tests script tasks exactly with Server.AddTask, inject faults with
// WithFaults or Server.SetFaults, set quotas with WithQuota, and observe
// traffic with Server.Calls, Server.CallCount and Server.CodeCount. The same
// controls are served over HTTP, unsigned, under /_emulator/ (a path the real
// service never uses) for the cmd/ecs-emulator binary.
package ecsemu
