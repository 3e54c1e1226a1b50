package natsjs

// For the tests of package natsjs_test.
var (
	PartitionOf  = partitionOf
	TaskKey      = taskKey
	EncodeRecord = encodeRecord
	ServeForTest = serveForTest
)
