package events

// Origin says how a task came to be tracked: a producer registered it, or a worker found it
// listing its region's tasks (taskpoller run --discover-regions). It travels in the
// registration (RegistrationMessage.Origin) and in every event of the task (Data.Origin).
type Origin string

// The origins of a task.
const (
	OriginRegistered Origin = "registered" // a producer published its registration
	OriginDiscovered Origin = "discovered" // a worker listed it (DescribeTasks by creation time) and registered it
)

// Valid reports whether o is an origin a registration may carry: "" (the same as
// OriginRegistered), OriginRegistered or OriginDiscovered.
func (o Origin) Valid() bool { return o == "" || o == OriginRegistered || o == OriginDiscovered }

// OrRegistered returns o, or OriginRegistered for "": a registration that names no origin was
// published by a producer.
func (o Origin) OrRegistered() Origin {
	if o == "" {
		return OriginRegistered
	}
	return o
}
