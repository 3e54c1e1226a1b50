package natsjs

import (
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events/natsclient"
)

// logFailure logs msg with err at Warn, or at Debug when err says only that NATS is out of
// reach (natsclient.Unreachable): the connection's Link tells that, once and then every 30s,
// where one line per partition and renewal would repeat it hundreds of times a minute.
func logFailure(log *zap.Logger, msg string, err error, fields ...zap.Field) {
	fields = append(fields, zap.Error(err))
	if natsclient.Unreachable(err) {
		log.Debug(msg, fields...)
		return
	}
	log.Warn(msg, fields...)
}
