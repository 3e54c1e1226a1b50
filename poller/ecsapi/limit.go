package ecsapi

import (
	"fmt"
	"io"
)

// MaxResponseBytes caps the body of every ECS answer the Client reads. Real answers are a few
// KiB (DescribeTasks with 100 tasks is some tens of KiB). The SDK reads a body whole, with no
// cap, and decodes it into map[string]any: a 100 MB answer once took ~2.7 GiB.
const MaxResponseBytes = 1 << 20

// ErrResponseTooLarge is in the chain of the error a call returns when the answer's body is
// longer than MaxResponseBytes. It is deliberately not a *poller.APIError, so poller.Classify
// treats it as transient by construction, like a non-JSON body, whatever the HTTP status was.
// poller.ErrorCode has no name for it and reports "Error"; the message says what happened.
var ErrResponseTooLarge = fmt.Errorf("ecs response body exceeds %d bytes", MaxResponseBytes)

// limitedBody passes at most limit bytes of rc through. Reading past them fails with
// ErrResponseTooLarge and closes rc at once, because the SDK does not close a body whose read
// failed (tea v1.5.3 dara.ReadAsJSON returns first). The SDK returns that read error unchanged
// to the caller of DescribeTaskAttributeWithContext (darabonba-openapi v2.1.14, on both the
// success and the 4xx/5xx paths), so errors.Is finds the sentinel with no string matching;
// TestResponseTooLarge checks it through the real SDK.
type limitedBody struct {
	rc    io.ReadCloser
	limit int64 // bytes still allowed
	err   error // set once the limit was exceeded
}

func newLimitedBody(rc io.ReadCloser, limit int64) *limitedBody {
	return &limitedBody{rc: rc, limit: limit}
}

// Read reads up to one byte more than allowed, to tell a body of exactly the limit from a
// longer one.
func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.limit+1 {
		p = p[:b.limit+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) <= b.limit {
		b.limit -= int64(n)
		return n, err
	}
	b.err = ErrResponseTooLarge
	_ = b.rc.Close()
	return int(b.limit), b.err
}

// Close closes the underlying body, unless Read already did.
func (b *limitedBody) Close() error {
	if b.err != nil {
		return nil
	}
	return b.rc.Close()
}
