package trainer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// createTrialFile creates, or empties, a file in a trial's directory:
// stdout, stderr, params.json. runs/ is often shared, so whatever is found
// at the name is not trusted: a symbolic link is not followed (its target
// would receive the program's output), and anything but a plain file with
// no other hard link is refused, so the trial fails naming it rather than
// overwrite a file elsewhere. 0666 is asked: the file follows the umask, as
// every other output does.
func createTrialFile(path string) (*os.File, error) {
	// No O_TRUNC: the file is emptied only once it is known to be ours.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|openNoFollow, 0o666)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symbolic link: a trial's files are never written through one (remove it)", path)
		}
		return nil, err
	}
	if err := ownFile(path, f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s %w: a trial's files are never written into one (remove it)", path, err)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// writeTrialFile writes data to a trial's file as createTrialFile opens it.
func writeTrialFile(path string, data []byte) error {
	f, err := createTrialFile(path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

// checkTrialDir refuses a trial directory that is a symbolic link (or not
// a directory): one planted in runs/<study>/trials would send the trial's
// files elsewhere. runs/<study> itself may be a link; that is the user's.
func checkTrialDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: a trial's directory is never one (remove it)", dir)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory (remove it)", dir)
	}
	return nil
}
