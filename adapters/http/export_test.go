package httpapi

// CheckHead exposes the framing and header rules to the external tests, so that
// each rule is tested by itself even where fasthttp refuses the request first.
func CheckHead(raw []byte, http11 bool) error {
	if err := checkHead(raw, http11); err != nil {
		return err
	}
	return nil
}

// AcceptsGzip exposes the Accept-Encoding reading of the documentation assets.
func AcceptsGzip(header string) bool { return acceptsGzip(header) }
