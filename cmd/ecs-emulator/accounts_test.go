package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

func TestParseAccountsRolesAndTLS(t *testing.T) {
	cfg, err := parseConfig([]string{
		"--access-keys", "1111111111111111=ak-a:sa, ak-d:sd, 2222222222222222=ak-b:sb",
		"--roles", "acs:ram::2222222222222222:role/taskpoller@1111111111111111+3333333333333333#ext=1@x, acs:ram::1111111111111111:role/self",
		"--sts-lifetime", "30s", "--tls-addr", "127.0.0.1:0",
	}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"ak-a": "1111111111111111", "ak-b": "2222222222222222"}; len(cfg.KeyAccounts) != 2 ||
		cfg.KeyAccounts["ak-a"] != want["ak-a"] || cfg.KeyAccounts["ak-b"] != want["ak-b"] {
		t.Errorf("KeyAccounts = %v, want %v", cfg.KeyAccounts, want)
	}
	if len(cfg.AccessKeys) != 3 || cfg.AccessKeys[0] != (AccessKey{ID: "ak-a", Secret: "sa"}) {
		t.Errorf("AccessKeys = %+v", cfg.AccessKeys)
	}
	if len(cfg.Roles) != 2 {
		t.Fatalf("Roles = %+v", cfg.Roles)
	}
	r := cfg.Roles[0]
	if r.AccountID != "2222222222222222" || r.Name != "taskpoller" || r.ExternalID != "ext=1@x" ||
		!slices.Equal(r.TrustedAccounts, []string{"1111111111111111", "3333333333333333"}) {
		t.Errorf("role = %+v", r)
	}
	if cfg.Roles[1].ARN() != "acs:ram::1111111111111111:role/self" || cfg.STSLifetime != 30*time.Second || cfg.TLSAddr != "127.0.0.1:0" {
		t.Errorf("config %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParseAccountsErrorsQuoteNoSecret(t *testing.T) {
	for name, args := range map[string][]string{
		"no secret":             {"--access-keys", "1111=ak-SECRETX"},
		"STS pair with account": {"--access-keys", "1111=ak:SECRETX:tok"},
		"role not an ARN":       {"--roles", "arn:aws:iam::1:role/x"},
	} {
		_, err := parseConfig(args, env(nil), io.Discard)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "SECRETX") {
			t.Errorf("%s: %v quotes the secret", name, err)
		}
	}
	for name, args := range map[string][]string{
		"account not digits": {"--access-keys", "prod=ak:s"},
		"role account":       {"--roles", "acs:ram::prod:role/x"},
		"negative lifetime":  {"--sts-lifetime", "-1s"},
	} {
		cfg, err := parseConfig(args, env(nil), io.Discard)
		if err != nil {
			t.Errorf("%s: parse: %v", name, err)
			continue
		}
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, cfg)
		}
	}
}

// With --tls-addr the binary serves HTTPS too, with the certificate it serves at
// /_emulator/tls-cert.
func TestServeTLS(t *testing.T) {
	cfg, err := parseConfig([]string{"--addr", "127.0.0.1:0", "--tls-addr", "127.0.0.1:0"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ecsemu.New(cfg.options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	plain := &http.Transport{}
	defer plain.CloseIdleConnections()
	pem := get(t, &http.Client{Transport: plain}, "http://"+srv.Endpoint()+"/_emulator/tls-cert")
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(pem)) {
		t.Fatalf("/_emulator/tls-cert served %q", pem)
	}
	secure := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer secure.CloseIdleConnections()
	if body := get(t, &http.Client{Transport: secure}, "https://"+srv.TLSEndpoint()+"/_emulator/healthz"); !strings.Contains(body, "ok") {
		t.Errorf("healthz over HTTPS: %q", body)
	}
	// serve logs and stops as without TLS.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := serve(ctx, cfg, zap.NewNop(), nil); err != nil {
		t.Errorf("serve: %v", err)
	}
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}
