package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// runSpace is what a measured run starts from: a directory of its own, a fresh emulator, and
// the log file of the poller's process in that directory.
type runSpace struct {
	dir     string
	emu     *ecsemu.Server
	logPath string
	log     *os.File
}

// open makes the space of a run of poller on tasks tasks: the directory <poller>-<tasks> under
// the working directory, an emulator answering quota calls/s per API, and the log file
// logName. The caller closes it.
func (env runEnv) open(poller string, tasks int, quota float64, logName string) (*runSpace, error) {
	s := &runSpace{dir: filepath.Join(env.dir, fmt.Sprintf("%s-%d", poller, tasks))}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, err
	}
	s.logPath = filepath.Join(s.dir, logName)
	log, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	emu, err := newEmulator(quota)
	if err != nil {
		log.Close()
		return nil, err
	}
	s.emu, s.log = emu, log
	return s, nil
}

// close stops the emulator and closes the log file.
func (s *runSpace) close() {
	s.emu.Close()
	s.log.Close()
}
