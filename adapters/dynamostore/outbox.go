package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Outbox implements ports.Outbox on the table.
//
// Item layout: a delivery is PK "OUTBOX#<id>", SK "OUTBOX". While pending it sits on
// GSI1 under GSI1PK "OUTBOX" with GSI1SK "<due_ns, 20 digits>#<id>", so the due rows
// are one Query on GSI1 in due order; once dead it moves to GSI1PK "OUTBOX#DEAD"
// (GSI1SK "<dead_ns>#<id>") and gets a ttl. A claim is a conditional UpdateItem per
// row found — `due_ns = <the value read>`, moving due_ns and GSI1SK to the end of
// the lease — so of concurrent claimers that found the same row (GSI1 is read
// eventually consistent) exactly one wins it.
type Outbox struct{ s *Store }

var _ ports.Outbox = (*Outbox)(nil)

// Key parts of deliveries.
const (
	outboxPart     = "OUTBOX"
	outboxDeadPart = "OUTBOX#DEAD"
)

// outboxItem is a delivery as stored. DueNS repeats DueAt as a number for exact
// conditions.
type outboxItem struct {
	PK        string     `dynamodbav:"PK"`
	SK        string     `dynamodbav:"SK"`
	GSI1PK    string     `dynamodbav:"GSI1PK"`
	GSI1SK    string     `dynamodbav:"GSI1SK"`
	ID        string     `dynamodbav:"id"`
	Channel   string     `dynamodbav:"channel"`
	EventID   string     `dynamodbav:"event_id"`
	UserID    string     `dynamodbav:"user_id"`
	Kind      string     `dynamodbav:"kind"`
	Payload   []byte     `dynamodbav:"payload,omitempty"`
	Sealed    []byte     `dynamodbav:"sealed,omitempty"`
	CreatedAt time.Time  `dynamodbav:"created_at"`
	DueAt     time.Time  `dynamodbav:"due_at"`
	DueNS     int64      `dynamodbav:"due_ns"`
	Attempts  int        `dynamodbav:"attempts"`
	LastError string     `dynamodbav:"last_error"`
	Lease     string     `dynamodbav:"lease"`
	DeadAt    *time.Time `dynamodbav:"dead_at,omitempty"`
	TTL       int64      `dynamodbav:"ttl,omitempty"`
}

func outboxKey(id string) key { return itemKey("OUTBOX#"+id, "OUTBOX") }

// dueKey is the GSI1 sort key of a row due (or dead) at t: zero-padded nanoseconds,
// so string order is time order.
func dueKey(t time.Time, id string) string { return fmt.Sprintf("%020d#%s", max(t.UnixNano(), 0), id) }

func (s *Store) newOutboxItem(d *domain.Delivery) outboxItem {
	k := outboxKey(d.ID)
	it := outboxItem{PK: pkString(k), SK: skString(k), GSI1PK: outboxPart, GSI1SK: dueKey(d.DueAt, d.ID),
		ID: d.ID, Channel: string(d.Channel), EventID: d.EventID, UserID: d.UserID, Kind: d.Kind,
		Payload: d.Payload, Sealed: d.Sealed, CreatedAt: d.CreatedAt.UTC(), DueAt: d.DueAt.UTC(),
		DueNS: d.DueAt.UnixNano(), Attempts: d.Attempts, LastError: d.LastError, Lease: d.Lease,
		DeadAt: utcPtr(d.DeadAt)}
	if d.DeadAt != nil {
		it.GSI1PK, it.GSI1SK = outboxDeadPart, dueKey(*d.DeadAt, d.ID)
	}
	return it
}

func (it outboxItem) delivery() domain.Delivery {
	return domain.Delivery{ID: it.ID, Channel: domain.DeliveryChannel(it.Channel), EventID: it.EventID,
		UserID: it.UserID, Kind: it.Kind, Payload: it.Payload, Sealed: it.Sealed, CreatedAt: it.CreatedAt,
		DueAt: it.DueAt, Attempts: it.Attempts, LastError: it.LastError, Lease: it.Lease, DeadAt: it.DeadAt}
}

// Claim finds due rows on GSI1 and wins each with a conditional update.
func (o *Outbox) Claim(ctx context.Context, lease string, now, until time.Time, limit int) ([]domain.Delivery, error) {
	s := o.s
	if limit <= 0 {
		return nil, nil
	}
	page, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(indexGSI1),
		KeyConditionExpression:   aws.String("#pk = :pk AND #sk <= :now"),
		ExpressionAttributeNames: map[string]string{"#pk": attrGSI1PK, "#sk": attrGSI1SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(outboxPart), ":now": str(dueKey(now, "~")),
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, translate("claim deliveries", err)
	}
	var found []outboxItem
	if err := attributevalue.UnmarshalListOfMaps(page.Items, &found); err != nil {
		return nil, translate("claim deliveries", err)
	}
	var out []domain.Delivery
	for _, it := range found {
		res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:           aws.String(s.table),
			Key:                 outboxKey(it.ID),
			UpdateExpression:    aws.String("SET #due = :until, #dueat = :untilat, #gsk = :gsk, #lease = :lease ADD #attempts :one"),
			ConditionExpression: aws.String("#due = :seen AND #gpk = :pending"),
			ExpressionAttributeNames: map[string]string{"#due": "due_ns", "#dueat": "due_at", "#gsk": attrGSI1SK,
				"#gpk": attrGSI1PK, "#lease": "lease", "#attempts": "attempts"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":until": num(until.UnixNano()), ":untilat": timeValue(until), ":gsk": str(dueKey(until, it.ID)),
				":lease": str(lease), ":one": num(1), ":seen": num(it.DueNS), ":pending": str(outboxPart),
			},
			ReturnValues: types.ReturnValueAllNew,
		})
		if _, ok := conditionFailed(err); ok {
			continue // another dispatcher claimed it first, or it was delivered
		}
		if err != nil {
			if len(out) > 0 {
				break // hand over what was won; the rest stays due
			}
			return nil, translate("claim deliveries", err)
		}
		var won outboxItem
		if err := attributevalue.UnmarshalMap(res.Attributes, &won); err != nil {
			return nil, translate("claim deliveries", err)
		}
		out = append(out, won.delivery())
	}
	return out, nil
}

// Complete deletes each row its lease still holds, one conditional DeleteItem
// each; a failed condition (lease lost, row gone) skips the row.
func (o *Outbox) Complete(ctx context.Context, ds []domain.Delivery) error {
	for _, d := range ds {
		_, err := o.s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 aws.String(o.s.table),
			Key:                       outboxKey(d.ID),
			ConditionExpression:       aws.String("#lease = :lease AND #gpk = :pending"),
			ExpressionAttributeNames:  map[string]string{"#lease": "lease", "#gpk": attrGSI1PK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":lease": str(d.Lease), ":pending": str(outboxPart)},
		})
		if _, ok := conditionFailed(err); ok {
			continue
		}
		if err != nil {
			return translate("complete deliveries", err)
		}
	}
	return nil
}

// Retry makes the row due at next if d's lease still holds it.
func (o *Outbox) Retry(ctx context.Context, d domain.Delivery, next time.Time, lastErr string) error {
	_, err := o.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(o.s.table),
		Key:                 outboxKey(d.ID),
		UpdateExpression:    aws.String("SET #due = :next, #dueat = :nextat, #gsk = :gsk, #lease = :none, #err = :err"),
		ConditionExpression: aws.String("#lease = :lease AND #gpk = :pending"),
		ExpressionAttributeNames: map[string]string{"#due": "due_ns", "#dueat": "due_at", "#gsk": attrGSI1SK,
			"#gpk": attrGSI1PK, "#lease": "lease", "#err": "last_error"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":next": num(next.UnixNano()), ":nextat": timeValue(next), ":gsk": str(dueKey(next, d.ID)),
			":none": str(""), ":err": str(truncateError(lastErr)), ":lease": str(d.Lease), ":pending": str(outboxPart),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return leaseError("retry delivery", err)
}

// Bury marks the row dead, moves it to the dead part of GSI1 and drops its secret
// if d's lease still holds it.
func (o *Outbox) Bury(ctx context.Context, d domain.Delivery, at time.Time, lastErr string) error {
	expr := "SET #gpk = :dead, #gsk = :gsk, #deadat = :at, #lease = :none, #err = :err REMOVE #sealed"
	values := map[string]types.AttributeValue{
		":dead": str(outboxDeadPart), ":gsk": str(dueKey(at, d.ID)), ":at": timeValue(at),
		":none": str(""), ":err": str(truncateError(lastErr)), ":lease": str(d.Lease), ":pending": str(outboxPart),
	}
	names := map[string]string{"#gpk": attrGSI1PK, "#gsk": attrGSI1SK, "#deadat": "dead_at",
		"#lease": "lease", "#err": "last_error", "#sealed": "sealed"}
	if o.s.opts.EventRetention > 0 {
		expr = "SET #gpk = :dead, #gsk = :gsk, #deadat = :at, #lease = :none, #err = :err, #ttl = :ttl REMOVE #sealed"
		names["#ttl"] = attrTTL
		values[":ttl"] = num(ttlOf(at.Add(o.s.opts.EventRetention)))
	}
	_, err := o.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(o.s.table),
		Key:                                 outboxKey(d.ID),
		UpdateExpression:                    aws.String(expr),
		ConditionExpression:                 aws.String("#lease = :lease AND #gpk = :pending"),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return leaseError("bury delivery", err)
}

// leaseError turns a failed lease condition into not_found (no item) or conflict.
func leaseError(op string, err error) error {
	if ccf, ok := conditionFailed(err); ok {
		if len(ccf.Item) == 0 {
			return domain.Errorf(domain.CodeNotFound, "The delivery does not exist.")
		}
		return domain.Errorf(domain.CodeConflict, "The delivery's lease was lost.")
	}
	return translate(op, err)
}

// Counts counts the pending and the dead rows on GSI1.
func (o *Outbox) Counts(ctx context.Context) (pending, dead int64, err error) {
	if pending, err = o.s.countGSI1(ctx, outboxPart, "count deliveries"); err != nil {
		return 0, 0, err
	}
	if dead, err = o.s.countGSI1(ctx, outboxDeadPart, "count deliveries"); err != nil {
		return 0, 0, err
	}
	return pending, dead, nil
}

// truncateError bounds a recorded delivery error, which comes from a mail or web
// server and may be long.
func truncateError(s string) string {
	if len(s) > 1000 {
		return s[:1000]
	}
	return s
}
