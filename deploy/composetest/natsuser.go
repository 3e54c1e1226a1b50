package composetest

import (
	"net/url"
	"os"
	"strings"
)

// NATSURL is the client URL of the compose stack's NATS nodes published on ports (of
// 127.0.0.1), as user (worker, producer, consumer, ops or admin; deploy/nats/users.conf) with
// the password docker-compose.yml gives it: TP_NATS_<USER>_PASSWORD, or else the demo's
// "<user>-demo-secret".
func NATSURL(user string, ports ...string) string {
	pw, ok := os.LookupEnv("TP_NATS_" + strings.ToUpper(user) + "_PASSWORD")
	if !ok || pw == "" {
		pw = user + "-demo-secret"
	}
	urls := make([]string, len(ports))
	for i, p := range ports {
		u := url.URL{Scheme: "nats", User: url.UserPassword(user, pw), Host: "127.0.0.1:" + p}
		urls[i] = u.String()
	}
	return strings.Join(urls, ",")
}
