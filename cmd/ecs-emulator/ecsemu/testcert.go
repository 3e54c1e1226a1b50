package ecsemu

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
)

// TestCertificatePEM is the certificate the emulator's HTTPS listener (WithTLS) presents
// unless WithTLSCertificate gives another: self-signed, not a CA (it can sign nothing), for
// 127.0.0.1, ::1, localhost and ecs-emulator, valid until 2084. Its private key is published
// in this package, as net/http/httptest publishes its own: trust it in test processes only,
// never in a process that talks to anything real.
//
// A client trusts it by having it among its roots; credentials-go (v1.4.14) uses the system
// roots, which a Go program on Linux reads once, from SSL_CERT_FILE when set (see
// WriteTestCertificate).
const TestCertificatePEM = `-----BEGIN CERTIFICATE-----
MIIB+TCCAZ+gAwIBAgIEATUlBTAKBggqhkjOPQQDAjBKMTEwLwYDVQQKEyh0YXNr
cG9sbGVyIGVjcy1lbXVsYXRvciB0ZXN0IGNlcnRpZmljYXRlMRUwEwYDVQQDEwxl
Y3MtZW11bGF0b3IwIBcNMjUwMTAxMDAwMDAwWhgPMjA4NDAxMDEwMDAwMDBaMEox
MTAvBgNVBAoTKHRhc2twb2xsZXIgZWNzLWVtdWxhdG9yIHRlc3QgY2VydGlmaWNh
dGUxFTATBgNVBAMTDGVjcy1lbXVsYXRvcjBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABAVsGx4AP/nJvCaAOoFWfMtOns8xjCKGrkaNenDcWGhEJeErXSVu/NJht0+n
AN0lqhymHquBMAM731GPaT/zPVOjcTBvMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUE
DDAKBggrBgEFBQcDATAMBgNVHRMBAf8EAjAAMDoGA1UdEQQzMDGCCWxvY2FsaG9z
dIIMZWNzLWVtdWxhdG9yhwR/AAABhxAAAAAAAAAAAAAAAAAAAAABMAoGCCqGSM49
BAMCA0gAMEUCIQDvaVs/AliHwz3txjg1yp1bsgise4/lpQPACjjGLHIi1AIgfIOv
0XU96Hx4UzyHqki6pk/809JRPe5xW8Ej6UXFrnE=
-----END CERTIFICATE-----
`

// testKeyPEM is the private key of TestCertificatePEM.
const testKeyPEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgaahwpB0wFvuCV2M5
TGSh72UzREvN8Ta6w/xB23rbq7GhRANCAAQFbBseAD/5ybwmgDqBVnzLTp7PMYwi
hq5GjXpw3FhoRCXhK10lbvzSYbdPpwDdJaocph6rgTADO99Rj2k/8z1T
-----END PRIVATE KEY-----
`

// TestCertificate returns the certificate and key of TestCertificatePEM for a tls.Config.
func TestCertificate() (tls.Certificate, error) {
	c, err := tls.X509KeyPair([]byte(TestCertificatePEM), []byte(testKeyPEM))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("ecsemu: test certificate: %w", err)
	}
	return c, nil
}

// WriteTestCertificate writes TestCertificatePEM to a file in dir and returns its path, for
// SSL_CERT_FILE. A Go process reads SSL_CERT_FILE once, when it first verifies a certificate,
// so a test sets it in TestMain, before any test runs: with it set, that process trusts this
// certificate and no other.
func WriteTestCertificate(dir string) (string, error) {
	path := filepath.Join(dir, "ecs-emulator-test-cert.pem")
	if err := os.WriteFile(path, []byte(TestCertificatePEM), 0o644); err != nil {
		return "", fmt.Errorf("ecsemu: write test certificate: %w", err)
	}
	return path, nil
}
