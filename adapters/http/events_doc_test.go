package httpapi_test

import (
	"slices"
	"testing"

	"github.com/authd/authd/domain"
)

// TestOpenAPIEventTypesMatchTheCode keeps the EventType enum of openapi.json the
// closed list of domain.EventTypes, in order.
func TestOpenAPIEventTypesMatchTheCode(t *testing.T) {
	doc, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, v := range doc.Components.Schemas["EventType"].Value.Enum {
		got = append(got, v.(string))
	}
	for _, i := range domain.EventTypes {
		want = append(want, string(i.Type))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("openapi.json EventType enum = %v, want %v", got, want)
	}
}
