package estimators

import "testing"

// MustPanic fails t for every case that does not panic. It is exported (in
// a test file only) so that the external estimators_test package can use
// it too.
func MustPanic(t *testing.T, cases map[string]func()) {
	t.Helper()
	for name, f := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
