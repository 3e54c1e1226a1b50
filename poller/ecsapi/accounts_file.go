package ecsapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// maxAccountsFileBytes bounds an accounts file.
const maxAccountsFileBytes = 1 << 20

// LoadAccounts reads the accounts file at path and parses it (ParseAccounts). Errors name the
// path, and never quote the file: it may hold a secret by mistake.
func LoadAccounts(path string) (AccountsFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return AccountsFile{}, fmt.Errorf("accounts file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAccountsFileBytes+1))
	if err != nil {
		return AccountsFile{}, fmt.Errorf("accounts file %s: %w", path, err)
	}
	if len(data) > maxAccountsFileBytes {
		return AccountsFile{}, fmt.Errorf("accounts file %s: larger than %d bytes", path, maxAccountsFileBytes)
	}
	af, err := ParseAccounts(data)
	if err != nil {
		return AccountsFile{}, fmt.Errorf("accounts file %s: %w", path, err)
	}
	return af, nil
}

// ParseAccounts decodes an accounts file, JSON (its first character is '{') or YAML, and
// validates it (AccountsFile.Validate). It refuses unknown fields, fields given twice, keys
// in another case than documented, and values of the wrong type, naming the account and the
// field. A syntax error is reported by line only: the parsers' messages can quote the file.
func ParseAccounts(data []byte) (AccountsFile, error) {
	var af AccountsFile
	j := data
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		var err error
		if j, err = yaml.YAMLToJSONStrict(data); err != nil { // refuses keys given twice
			return AccountsFile{}, yamlError(err)
		}
	}
	strict, err := kjson.UnmarshalStrict(j, &af, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		if ok, off := kjson.SyntaxErrorOffset(err); ok {
			return AccountsFile{}, fmt.Errorf("not valid JSON at line %d (details withheld: they can quote the file)", lineOf(data, off))
		}
		return AccountsFile{}, typeError(err)
	}
	var problems []error
	for _, e := range strict {
		problems = append(problems, fieldError(af, e))
	}
	if len(problems) > 0 {
		return AccountsFile{}, errors.Join(problems...)
	}
	if err := af.Validate(); err != nil {
		return AccountsFile{}, err
	}
	return af, nil
}

// UnmarshalJSON reads a reference ({"env": NAME} or {"file": PATH}). A string is recorded as
// an inline value, without keeping it, for Validate to refuse with the account and field.
func (r *SecretRef) UnmarshalJSON(b []byte) error {
	*r = SecretRef{}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '"' {
		r.inline = true
		return nil
	}
	var ref struct {
		Env  string `json:"env"`
		File string `json:"file"`
	}
	strict, err := kjson.UnmarshalStrict(b, &ref, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return errors.New("want {env: NAME} or {file: PATH}")
	}
	r.Env, r.File = ref.Env, ref.File
	for _, e := range strict {
		r.unknown = append(r.unknown, strictPath(e))
	}
	return nil
}

// yamlError describes a YAML error by fixed text and its line number: the parser's own text
// can quote the file (an invalid key, a key given twice).
func yamlError(err error) error {
	msg := err.Error()
	what := "not valid YAML"
	if strings.Contains(msg, "already set in map") {
		what = "a key is given twice"
	}
	if _, rest, ok := strings.Cut(msg, "line "); ok {
		n := rest[:len(rest)-len(strings.TrimLeft(rest, "0123456789"))]
		if n != "" {
			return fmt.Errorf("%s at line %s (details withheld: they can quote the file)", what, n)
		}
	}
	return fmt.Errorf("%s (details withheld: they can quote the file)", what)
}

// typeError is a value of the wrong type. The JSON decoder's text names the Go field and the
// JSON type, never a string value (numbers only), so it is kept.
func typeError(err error) error {
	return fmt.Errorf("a value has the wrong type: %w", err)
}

// fieldError describes a strict decoding error (a field unknown or given twice) by the
// account and the field's path in it.
func fieldError(af AccountsFile, e error) error {
	what := "unknown field"
	if strings.HasPrefix(e.Error(), "duplicate field") {
		what = "field given twice"
	}
	path := strictPath(e)
	if rest, ok := strings.CutPrefix(path, "accounts["); ok {
		if n, field, ok := strings.Cut(rest, "]"); ok {
			if i, err := strconv.Atoi(n); err == nil {
				return fmt.Errorf("%s: %s %s", accountLabel(af, i), what, strings.TrimPrefix(field, "."))
			}
		}
	}
	return fmt.Errorf("%s %s", what, path)
}

// strictPath is the path of the field a strict decoding error is about.
func strictPath(e error) string {
	var fe kjson.FieldError
	if errors.As(e, &fe) {
		return fe.FieldPath()
	}
	return "?"
}

// accountLabel names accounts[i] in errors: by its name when it has a valid one.
func accountLabel(af AccountsFile, i int) string {
	if i < len(af.Accounts) && validAccountName(af.Accounts[i].Name) {
		return fmt.Sprintf("account %q", af.Accounts[i].Name)
	}
	return fmt.Sprintf("accounts[%d]", i)
}

// lineOf returns the 1-based line of byte offset off in data.
func lineOf(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}
