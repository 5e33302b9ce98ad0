package storage

import "testing"

// TestBucketBitsKeepsBaseWithinOneBit: a population keeps its base's bucket
// bits when they are within one bit of its own (about 16 units a bucket),
// a base of 0 bits included, and takes its own otherwise or without a base.
func TestBucketBitsKeepsBaseWithinOneBit(t *testing.T) {
	for _, c := range []struct{ n, prev, want int }{
		{0, -1, 0}, {16, -1, 1}, {32, -1, 2}, {128, -1, 4}, {1 << 30, -1, maxBucketBits},
		{16, 0, 0}, {16, 2, 2}, {16, 3, 1}, {32, 0, 2},
		{128, 2, 4}, {128, 3, 3}, {128, 4, 4}, {128, 5, 5}, {128, 6, 4},
	} {
		if got := bucketBits(c.n, c.prev); got != c.want {
			t.Errorf("bucketBits(%d, %d) = %d, want %d", c.n, c.prev, got, c.want)
		}
	}
}
