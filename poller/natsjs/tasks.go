package natsjs

import (
	"encoding/json"
	"fmt"
	"hash/fnv"

	"github.com/taskpoller/taskpoller/events"
)

// Partitions is the number of partitions the tracked tasks are spread over. Each partition is
// held by one worker at a time (see Source), so it is also the largest useful fleet. Every
// worker of a deployment must use the same number: it is part of the tasks bucket's keys.
const Partitions = 64

// partitionOf returns the partition of the task whose registration key is key (FNV-1a).
func partitionOf(key string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % Partitions)
}

// taskKey is the key of a task in the tasks bucket: "<partition>.<region>.<task>", the
// partition in three digits so that a partition's keys share the filter "<partition>.>".
func taskKey(reg events.Registration) string { return taskKeyOf(reg.Key()) }

// taskKeyOf is taskKey of the registration key k.
func taskKeyOf(k string) string { return fmt.Sprintf("%03d.%s", partitionOf(k), k) }

// partitionFilter is the key filter of one partition's tasks.
func partitionFilter(p int) string { return fmt.Sprintf("%03d.>", p) }

// record is what the tasks bucket holds for a task being tracked: its registration and the
// stream sequence of the registration message, which names the registration (poller.Lease.ID)
// after the message is gone.
type record struct {
	Seq          uint64                     `json:"seq"`
	Registration events.RegistrationMessage `json:"registration"`
}

func encodeRecord(seq uint64, reg events.Registration) ([]byte, error) {
	return json.Marshal(record{Seq: seq, Registration: events.RegistrationMessage(reg)})
}

func decodeRecord(b []byte) (record, events.Registration, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return record{}, events.Registration{}, fmt.Errorf("decode task record: %w", err)
	}
	return r, events.Registration(r.Registration), nil
}

// kvStream is the name of the stream that holds the KV bucket named bucket, and kvSubject
// the subject of its key key (or key filter): how JetStream lays out a bucket.
func kvStream(bucket string) string       { return "KV_" + bucket }
func kvSubject(bucket, key string) string { return "$KV." + bucket + "." + key }

// The header of a KV stream message that says it deletes its key, and its values.
const (
	kvOperation = "KV-Operation"
	kvDelete    = "DEL"
	kvPurge     = "PURGE"
)
