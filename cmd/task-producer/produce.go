package main

import (
	"github.com/taskpoller/taskpoller/events/natsclient"

	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// run starts cfg.Count tasks (or until ctx is done) and returns once every planned
// cancellation has been made. Interrupting it is not an error.
func run(ctx context.Context, cfg Config, out io.Writer, log *zap.Logger) error {
	subjects, err := events.NewSubjects(cfg.SubjectPrefix)
	if err != nil {
		return err
	}
	ecs, err := ecsapi.New(ecsapi.Config{Endpoint: cfg.ECSEndpoint})
	if err != nil {
		return err
	}
	nc, js, err := cfg.NATS.Dial("", "task-producer", log, nats.RetryOnFailedConnect(true))
	if err != nil {
		return err
	}
	defer nc.Close()
	p := &producer{cfg: cfg, ecs: ecs, js: js, subjects: subjects, out: out, log: log}
	if err := p.waitForStream(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	err = p.loop(ctx)
	if ctx.Err() != nil {
		log.Info("interrupted", zap.Error(err))
		return nil
	}
	return err
}

// producer starts, registers and cancels tasks; one goroutine (loop) uses it.
type producer struct {
	cfg      Config
	ecs      *ecsapi.Client
	js       jetstream.JetStream
	subjects events.Subjects
	out      io.Writer
	log      *zap.Logger
}

// pendingCancel is a started task waiting to be canceled.
type pendingCancel struct {
	job    job
	taskID string
	due    time.Time
}

// waitForStream waits until the registrations stream exists: the workers create it.
func (p *producer) waitForStream(ctx context.Context) error {
	name := p.subjects.StreamName(events.RegistrationsRole)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := p.js.Stream(actx, name)
		cancel()
		if err == nil {
			p.log.Info("registrations stream found", zap.String("stream", name))
			return nil
		}
		if attempt%5 == 0 {
			p.log.Info("waiting for the registrations stream (the workers create it)", zap.String("stream", name), zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for stream %s: %w", name, ctx.Err())
		case <-tick.C:
		}
	}
}

// loop starts a task on every tick and cancels each planned one when it is due.
func (p *producer) loop(ctx context.Context) error {
	tick := time.NewTicker(time.Duration(float64(time.Second) / p.cfg.Rate))
	defer tick.Stop()
	due := time.NewTimer(time.Hour)
	defer due.Stop()
	var pending []pendingCancel // in due order: every cancel waits the same CancelAfter
	n := 1
	for {
		more := p.cfg.Count == 0 || n <= p.cfg.Count
		if !more && len(pending) == 0 {
			p.log.Info("done", zap.Int("tasks", n-1))
			return nil
		}
		next := tick.C
		if !more {
			next = nil
		}
		var cancelDue <-chan time.Time
		if len(pending) > 0 {
			due.Reset(time.Until(pending[0].due))
			cancelDue = due.C
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-next:
			j := planJob(n, p.cfg)
			n++
			taskID, err := p.start(ctx, j)
			if err != nil {
				return err
			}
			if j.Cancel {
				pending = append(pending, pendingCancel{job: j, taskID: taskID, due: time.Now().Add(p.cfg.CancelAfter)})
				continue
			}
			p.print(j, taskID, j.expected())
		case <-cancelDue:
			pc := pending[0]
			pending = pending[1:]
			o, err := p.cancel(ctx, pc)
			if err != nil {
				return err
			}
			p.print(pc.job, pc.taskID, o)
		}
	}
}

func (p *producer) print(j job, taskID string, o outcome) {
	fmt.Fprintln(p.out, taskLine(j, taskID, p.cfg.Region, o))
}

// start creates the task of j on ECS and registers it (unless j is left unregistered); it
// returns the task id.
func (p *producer) start(ctx context.Context, j job) (string, error) {
	var taskID string
	err := retry(ctx, p.log, j.Action, poller.Retryable, func(ctx context.Context) error {
		id, err := p.create(ctx, j)
		taskID = id
		return err
	})
	if err != nil {
		return "", fmt.Errorf("task %d: %s: %w", j.N, j.Action, err)
	}
	if j.Unregistered {
		p.log.Debug("left unregistered", zap.Int("n", j.N), zap.String("task_id", taskID))
		return taskID, nil
	}
	if err := p.register(ctx, j, taskID); err != nil {
		return "", fmt.Errorf("task %d: register %s: %w", j.N, taskID, err)
	}
	p.log.Debug("started", zap.Int("n", j.N), zap.String("task_id", taskID), zap.String("action", j.Action))
	return taskID, nil
}

func (p *producer) create(ctx context.Context, j job) (string, error) {
	region, tag := p.cfg.Region, strconv.Itoa(j.N)
	switch j.Action {
	case actionExport:
		bucket := p.cfg.Bucket
		if j.Fail {
			bucket = failPrefix + "missing-bucket"
		}
		return p.ecs.ExportImage(ctx, region, p.cfg.ImageID, bucket, "demo", "qcow2")
	case actionImport:
		object := "images/demo-" + tag + ".qcow2"
		if j.Fail {
			object = failPrefix + "corrupt-" + tag + ".qcow2"
		}
		disks := []ecsapi.ImportDisk{{OSSBucket: p.cfg.Bucket, OSSObject: object, Format: "qcow2", SizeGiB: 20}}
		_, taskID, err := p.ecs.ImportImage(ctx, region, "taskpoller-demo-"+tag, disks)
		return taskID, err
	default:
		return p.ecs.ModifyDiskSpec(ctx, region, "d-taskpollerdemo"+tag, "cloud_essd")
	}
}

// registrationMeta is echoed by taskpoller in every event of the task.
type registrationMeta struct {
	Producer string `json:"producer"`
	N        int    `json:"n"`
	Plan     string `json:"plan"`
}

// register publishes the registration and waits for the stream's ack. The message id makes
// retries (and a restarted producer re-registering) store one registration.
func (p *producer) register(ctx context.Context, j job, taskID string) error {
	plan := "complete"
	switch {
	case j.Fail:
		plan = "fail"
	case j.Cancel:
		plan = "cancel"
	}
	meta, err := json.Marshal(registrationMeta{Producer: "task-producer", N: j.N, Plan: plan})
	if err != nil {
		return err
	}
	reg := events.Registration{RegionID: p.cfg.Region, TaskID: taskID, Metadata: meta}
	return retry(ctx, p.log, "register", retryableAlways, func(ctx context.Context) error {
		_, err := natsclient.Register(ctx, p.js, p.subjects, reg)
		return err
	})
}

// cancel cancels a started task and returns its expected outcome: canceled, or finished when
// ECS says it can no longer be canceled (it ended first).
func (p *producer) cancel(ctx context.Context, pc pendingCancel) (outcome, error) {
	err := retry(ctx, p.log, "CancelTask", poller.Retryable, func(ctx context.Context) error {
		return p.ecs.CancelTask(ctx, p.cfg.Region, pc.taskID)
	})
	if err == nil {
		return canceled, nil
	}
	if ctx.Err() != nil || poller.Retryable(err) {
		return outcome{}, fmt.Errorf("task %d: cancel %s: %w", pc.job.N, pc.taskID, err)
	}
	p.log.Warn("could not cancel; expecting it to finish", zap.String("task_id", pc.taskID), zap.Error(err))
	return pc.job.expected(), nil
}
