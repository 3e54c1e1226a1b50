package ecsemu

import (
	"math/rand/v2"
	"strconv"
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomID returns prefix followed by n random lowercase alphanumerics, the
// shape of real ECS resource IDs ("t-bp1hvgwromzv32iq1234").
func randomID(prefix string, n int) string {
	b := make([]byte, len(prefix)+n)
	copy(b, prefix)
	for i := len(prefix); i < len(b); i++ {
		b[i] = idAlphabet[rand.IntN(len(idAlphabet))]
	}
	return string(b)
}

// newRequestID returns an upper-case UUID-shaped request ID like
// "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E".
func newRequestID() string {
	const hexdig = "0123456789ABCDEF"
	var b [36]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	j := 0
	for i := range b {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			b[i] = '-'
			continue
		}
		var nib uint64
		if j < 16 {
			nib = hi >> (4 * j) & 0xF
		} else {
			nib = lo >> (4 * (j - 16)) & 0xF
		}
		b[i] = hexdig[nib]
		j++
	}
	return string(b[:])
}

// newOrderID returns a numeric order ID like the ones ModifyDiskSpec returns.
func newOrderID() string {
	return strconv.FormatInt(200000000000000+rand.Int64N(99999999999999), 10)
}
