package ecsapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// An answer without the fields a call needs is an error, not a panic: with a 200, the SDK
// gives an empty body for {} and no body at all for null or nothing.
func TestActionsAnsweredWithAnEmptyBody(t *testing.T) {
	for _, body := range []string{`{}`, `null`, ``} {
		t.Run(fmt.Sprintf("%q", body), func(t *testing.T) { testEmptyBody(t, body) })
	}
}

func testEmptyBody(t *testing.T, body string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	c, err := ecsapi.New(ecsapi.Config{Endpoint: srv.URL, Credential: mustCred(t, "ak", "secret")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if id, err := c.ExportImage(ctx, "cn-hangzhou", "m-1", "bucket", "prefix", "qcow2"); err == nil {
		t.Errorf("ExportImage: got task %q, want an error", id)
	}
	if img, id, err := c.ImportImage(ctx, "cn-hangzhou", "img", []ecsapi.ImportDisk{{OSSBucket: "b", OSSObject: "o", Format: "qcow2"}}); err == nil {
		t.Errorf("ImportImage: got image %q task %q, want an error", img, id)
	}
	if id, err := c.ModifyDiskSpec(ctx, "cn-hangzhou", "d-1", "cloud_essd"); err == nil {
		t.Errorf("ModifyDiskSpec: got task %q, want an error", id)
	}
}
