package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// EventStore implements ports.EventStore on the table.
//
// Item layout: an event is PK "EVENTS#<user id>" ("EVENTS#-" for an event about no
// account), SK "EVENT#<event id>", so one account's events are one item collection
// read newest first by a consistent Query; and GSI1PK "EVENTS", GSI1SK "<event
// id>", so the admin listing of every account is one Query on GSI1. Event ids are
// UUIDv7, so key order is time order. The collection is not the account's own
// ("USER#…"): deleting an account leaves its events. ttl is At plus the store's
// EventRetention (none when that is 0), so DynamoDB expires old events itself;
// Purge deletes them at once as well.
type EventStore struct{ s *Store }

var _ ports.EventStore = (*EventStore)(nil)

// Key parts of events.
const (
	eventsPart   = "EVENTS"
	eventsPrefix = "EVENTS#"
	eventPrefix  = "EVENT#"
	noUser       = "-"
)

// eventItem is an event as stored. Data is the JSON object of domain.Event.Data.
type eventItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	GSI1PK    string    `dynamodbav:"GSI1PK"`
	GSI1SK    string    `dynamodbav:"GSI1SK"`
	ID        string    `dynamodbav:"id"`
	Type      string    `dynamodbav:"type"`
	UserID    string    `dynamodbav:"user_id"`
	ActorID   string    `dynamodbav:"actor_id"`
	SessionID string    `dynamodbav:"session_id"`
	IP        string    `dynamodbav:"ip"`
	UserAgent string    `dynamodbav:"user_agent"`
	At        time.Time `dynamodbav:"at"`
	Data      string    `dynamodbav:"data"`
	TTL       int64     `dynamodbav:"ttl,omitempty"`
}

// eventPartition is the partition key of the user's event collection.
func eventPartition(userID string) string {
	if userID == "" {
		userID = noUser
	}
	return eventsPrefix + userID
}

func (s *Store) newEventItem(e *domain.Event) (eventItem, error) {
	data := "{}"
	if len(e.Data) > 0 {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return eventItem{}, fmt.Errorf("dynamostore: event %s data: %w", e.Type, err)
		}
		data = string(b)
	}
	it := eventItem{PK: eventPartition(e.UserID), SK: eventPrefix + e.ID, GSI1PK: eventsPart, GSI1SK: e.ID,
		ID: e.ID, Type: string(e.Type), UserID: e.UserID, ActorID: e.ActorID, SessionID: e.SessionID,
		IP: e.IP, UserAgent: e.UserAgent, At: e.At.UTC(), Data: data}
	if s.opts.EventRetention > 0 {
		it.TTL = ttlOf(e.At.Add(s.opts.EventRetention))
	}
	return it, nil
}

func (it eventItem) event() (domain.Event, error) {
	e := domain.Event{ID: it.ID, Type: domain.EventType(it.Type), UserID: it.UserID, ActorID: it.ActorID,
		SessionID: it.SessionID, IP: it.IP, UserAgent: it.UserAgent, At: it.At.UTC()}
	if it.Data != "" && it.Data != "{}" {
		if err := json.Unmarshal([]byte(it.Data), &e.Data); err != nil {
			return e, fmt.Errorf("dynamostore: event %s data: %w", it.ID, err)
		}
	}
	return e, nil
}

// effectItems returns the transaction items that write fx: one Put per event and
// per delivery. Every state-changing method appends them to its own
// TransactWriteItems (after the items whose failure it inspects by index), so that
// the change and its effects commit together or not at all (ports: the Effects
// convention).
func (s *Store) effectItems(fx domain.Effects) ([]types.TransactWriteItem, error) {
	items := make([]types.TransactWriteItem, 0, len(fx.Events)+len(fx.Deliveries))
	for i := range fx.Events {
		it, err := s.newEventItem(&fx.Events[i])
		if err != nil {
			return nil, err
		}
		items = append(items, s.put(it, "", nil, nil))
	}
	for i := range fx.Deliveries {
		items = append(items, s.put(s.newOutboxItem(&fx.Deliveries[i]), "", nil, nil))
	}
	return items, nil
}

// Append writes fx in one transaction.
func (es *EventStore) Append(ctx context.Context, fx domain.Effects) error {
	if fx.Empty() {
		return nil
	}
	items, err := es.s.effectItems(fx)
	if err != nil {
		return err
	}
	return translate("append events", es.s.transact(ctx, items))
}

// List queries the account's collection (consistent) or, for every account,
// GSI1, newest first; the type is a filter, the cursor and since bound the key.
func (es *EventStore) List(ctx context.Context, f domain.EventFilter) ([]domain.Event, error) {
	if f.Limit <= 0 {
		return []domain.Event{}, nil
	}
	names := map[string]string{"#pk": attrPK, "#sk": attrSK}
	values := map[string]types.AttributeValue{":pk": str(eventPartition(f.UserID))}
	skPrefix := eventPrefix
	in := &dynamodb.QueryInput{TableName: aws.String(es.s.table), ScanIndexForward: aws.Bool(false)}
	if f.UserID == "" {
		in.IndexName = aws.String(indexGSI1)
		names = map[string]string{"#pk": attrGSI1PK, "#sk": attrGSI1SK}
		values[":pk"] = str(eventsPart)
		skPrefix = ""
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	cond := "#pk = :pk"
	if skPrefix != "" {
		cond = "#pk = :pk AND begins_with(#sk, :prefix)"
		values[":prefix"] = str(skPrefix)
	}
	switch {
	case f.Before != "" && !f.Since.IsZero():
		cond = "#pk = :pk AND #sk BETWEEN :low AND :high"
		values[":low"], values[":high"] = str(skPrefix+domain.IDFloor(f.Since)), str(skPrefix+f.Before)
	case f.Before != "":
		cond = "#pk = :pk AND #sk < :high"
		values[":high"] = str(skPrefix + f.Before)
	case !f.Since.IsZero():
		cond = "#pk = :pk AND #sk >= :low"
		values[":low"] = str(skPrefix + domain.IDFloor(f.Since))
	}
	if cond != "#pk = :pk AND begins_with(#sk, :prefix)" {
		delete(values, ":prefix")
	}
	if !strings.Contains(cond, "#sk") {
		delete(names, "#sk")
	}
	if f.Type != "" {
		names["#type"] = "type"
		values[":type"] = str(f.Type)
		if strings.HasSuffix(f.Type, ".") {
			in.FilterExpression = aws.String("begins_with(#type, :type)")
		} else {
			in.FilterExpression = aws.String("#type = :type")
		}
	}
	in.KeyConditionExpression = aws.String(cond)
	in.ExpressionAttributeNames, in.ExpressionAttributeValues = names, values

	out := make([]domain.Event, 0, min(f.Limit, 100))
	for len(out) < f.Limit {
		in.Limit = aws.Int32(int32(min(max(f.Limit-len(out)+1, 10), 1000)))
		page, err := es.s.db.Query(ctx, in)
		if err != nil {
			return nil, translate("list events", err)
		}
		var items []eventItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, translate("list events", err)
		}
		for _, it := range items {
			// BETWEEN includes the cursor itself; the floor of since is to the
			// millisecond, the time itself is exact.
			if it.ID == f.Before || (!f.Since.IsZero() && it.At.Before(f.Since)) || len(out) == f.Limit {
				continue
			}
			e, err := it.event()
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	return out, nil
}

// Purge deletes the events recorded before `before` (found on GSI1 below the id
// floor of that time) and the deliveries that died before it, in batches, and
// returns how many items went. TTL would remove them too, but in its own time
// (typically within days); Purge makes the retention exact.
func (es *EventStore) Purge(ctx context.Context, before time.Time) (int64, error) {
	s := es.s
	var total int64
	purge := func(pk, below string, keyOf func(map[string]types.AttributeValue) (key, error)) error {
		in := &dynamodb.QueryInput{
			TableName: aws.String(s.table), IndexName: aws.String(indexGSI1),
			KeyConditionExpression:   aws.String("#pk = :pk AND #sk < :below"),
			ExpressionAttributeNames: map[string]string{"#pk": attrGSI1PK, "#sk": attrGSI1SK},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(pk), ":below": str(below),
			},
			ProjectionExpression: aws.String("#k1, #k2"),
			Limit:                aws.Int32(25),
		}
		in.ExpressionAttributeNames["#k1"], in.ExpressionAttributeNames["#k2"] = attrPK, attrSK
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			page, err := s.db.Query(ctx, in)
			if err != nil {
				return translate("purge events", err)
			}
			// One DeleteItem each (no BatchWriteItem, so the IAM policy needs no
			// permission beyond the ones the README lists).
			for _, item := range page.Items {
				k, err := keyOf(item)
				if err != nil {
					return err
				}
				if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: k}); err != nil {
					return translate("purge events", err)
				}
				total++
			}
			if len(page.LastEvaluatedKey) == 0 {
				return nil
			}
			in.ExclusiveStartKey = page.LastEvaluatedKey
		}
	}
	keyOf := func(item map[string]types.AttributeValue) (key, error) {
		return key{attrPK: item[attrPK], attrSK: item[attrSK]}, nil
	}
	if err := purge(eventsPart, domain.IDFloor(before), keyOf); err != nil {
		return total, err
	}
	if err := purge(outboxDeadPart, dueKey(before, ""), keyOf); err != nil {
		return total, err
	}
	return total, nil
}
