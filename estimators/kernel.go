package estimators

import (
	"fmt"
	"math"
	"strings"
)

// Kernel is a symmetric kernel with support [−1, 1] used to weight
// observations by their scaled distance u = x/h from the evaluation point.
//
// The zero value is not a kernel: Kernel(0).Valid() is false, Weight panics
// on it, and functions that take a Kernel reject it with an error wrapping
// ErrInput. Options structs that embed a Kernel therefore treat the zero value
// as "use the default" and must substitute one before calling this package.
type Kernel int

// The kernels, all supported on |u| ≤ 1 (the end points included).
const (
	// Triangular is K(u) = (1 − |u|)₊.
	Triangular Kernel = iota + 1
	// Epanechnikov is K(u) = 0.75 (1 − u²)₊.
	Epanechnikov
	// Uniform is K(u) = 0.5 · 1{|u| ≤ 1}.
	Uniform
)

// Valid reports whether k is one of the defined kernels.
func (k Kernel) Valid() bool { return k >= Triangular && k <= Uniform }

// Weight returns K(u). Points with |u| ≤ 1 are inside the support: the
// uniform kernel gives 0.5 at u = ±1, the triangular and Epanechnikov kernels
// give 0 there. A NaN u gets weight 0. Weight panics if k is not Valid.
func (k Kernel) Weight(u float64) float64 {
	if a := math.Abs(u); a <= 1 { // also excludes NaN
		switch k {
		case Triangular:
			return 1 - a
		case Epanechnikov:
			return 0.75 * (1 - u*u)
		case Uniform:
			return 0.5
		}
	}
	return k.outside()
}

// outside is the weight outside the support; it panics for an invalid k.
// It is separate so that Weight can be inlined.
func (k Kernel) outside() float64 {
	if !k.Valid() {
		panic(badKernel(k))
	}
	return 0
}

func badKernel(k Kernel) string { return "estimators: invalid kernel " + k.String() }

// String returns the kernel's canonical name ("triangular", "epanechnikov",
// "uniform"), or "Kernel(n)" for an invalid value.
func (k Kernel) String() string {
	switch k {
	case Triangular:
		return "triangular"
	case Epanechnikov:
		return "epanechnikov"
	case Uniform:
		return "uniform"
	}
	return fmt.Sprintf("Kernel(%d)", int(k))
}

// ParseKernel returns the kernel named s. It accepts the canonical names and
// the abbreviations used by rdrobust and R3D, ignoring case and surrounding
// space: "triangular" or "tri", "epanechnikov" or "epa", "uniform" or "uni".
// Any other name gives an error wrapping ErrInput.
func ParseKernel(s string) (Kernel, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "triangular", "tri":
		return Triangular, nil
	case "epanechnikov", "epa":
		return Epanechnikov, nil
	case "uniform", "uni":
		return Uniform, nil
	}
	return 0, InputErrorf("unknown kernel %q (want triangular, epanechnikov or uniform)", s)
}

// MarshalText encodes a valid kernel as its canonical name, so that kernels
// appear by name in JSON results.
func (k Kernel) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, InputErrorf("cannot encode invalid kernel %s", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes a kernel name accepted by ParseKernel.
func (k *Kernel) UnmarshalText(text []byte) error {
	v, err := ParseKernel(string(text))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
