package estimators

import (
	"errors"
	"fmt"
)

// ErrInput marks errors caused by the data or the options the caller passed
// (as opposed to internal failures). Test for it with errors.Is; the command
// line maps it to exit status 2.
var ErrInput = errors.New("bad input")

// inputError carries a message and reports itself as ErrInput.
type inputError struct{ msg string }

func (e *inputError) Error() string        { return e.msg }
func (e *inputError) Is(target error) bool { return target == ErrInput }

// InputErrorf returns an error with the formatted message that matches
// ErrInput under errors.Is. Packages that validate user input use it so that
// the message stays free of a generic prefix.
func InputErrorf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}
