// Package logging builds the zap loggers of the project's commands.
package logging

import (
	"fmt"
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Validate checks a level (debug, info, warn, error) and a format (json, console).
func Validate(level, format string) error {
	if _, err := zapcore.ParseLevel(level); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	if format != "json" && format != "console" {
		return fmt.Errorf("log format must be json or console, not %q", format)
	}
	return nil
}

// New returns a logger writing to w; level and format must have passed Validate.
func New(level, format string, w io.Writer) *zap.Logger {
	lvl, _ := zapcore.ParseLevel(level)
	ecfg := zap.NewProductionEncoderConfig()
	ecfg.EncodeTime = zapcore.ISO8601TimeEncoder
	enc := zapcore.NewJSONEncoder(ecfg)
	if format == "console" {
		ecfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(ecfg)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl))
}
