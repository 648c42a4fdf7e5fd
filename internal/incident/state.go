// Package incident runs incident tickets from report to closure: the states a ticket moves
// through, the transitions allowed between them, deadlines, and the partner a ticket is
// coordinated with. Every change is an entry appended to the ticket's history; the current
// state is derived from that history, never stored apart from it.
package incident

import (
	"fmt"
	"slices"
	"strings"
)

// State is where a ticket stands.
type State string

// The states of a ticket. Closed, Rejected and Duplicate are final.
const (
	New          State = "new"
	Triaged      State = "triaged"
	Coordinating State = "coordinating"
	Resolved     State = "resolved"
	Closed       State = "closed"
	Rejected     State = "rejected"
	Duplicate    State = "duplicate"
)

// States lists every state in order.
var States = []State{New, Triaged, Coordinating, Resolved, Closed, Rejected, Duplicate}

// next lists the states each state may move to. A resolved ticket may go back to
// coordinating when the fix did not hold; final states go nowhere.
var next = map[State][]State{
	New:          {Triaged, Rejected, Duplicate},
	Triaged:      {Coordinating, Resolved, Rejected, Duplicate},
	Coordinating: {Resolved, Rejected, Duplicate},
	Resolved:     {Closed, Coordinating},
	Closed:       nil,
	Rejected:     nil,
	Duplicate:    nil,
}

// Final reports whether nothing more can happen to a ticket in state s.
func (s State) Final() bool { return len(next[s]) == 0 }

// Open reports whether a ticket in state s still needs work (it is not resolved or final).
func (s State) Open() bool { return s == New || s == Triaged || s == Coordinating }

// ParseState accepts a state name.
func ParseState(s string) (State, error) {
	st := State(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(States, st) {
		return st, nil
	}
	names := make([]string, len(States))
	for i, x := range States {
		names[i] = string(x)
	}
	return "", fmt.Errorf("unknown state %q (want one of %s)", s, strings.Join(names, ", "))
}

// CanMove reports whether a ticket may move from one state to another.
func CanMove(from, to State) bool { return slices.Contains(next[from], to) }

// Path returns the transitions that take a ticket from one state to another by the shortest
// allowed route (new → coordinating passes through triaged), or an error naming why not.
func Path(from, to State) ([]State, error) {
	if from == to {
		return nil, fmt.Errorf("the ticket is already %s", to)
	}
	// Breadth-first over the few states; routes are short and unique by construction.
	prev := map[State]State{from: from}
	queue := []State{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range next[s] {
			if _, seen := prev[n]; seen {
				continue
			}
			prev[n] = s
			if n == to {
				var path []State
				for x := to; x != from; x = prev[x] {
					path = append([]State{x}, path...)
				}
				return path, nil
			}
			queue = append(queue, n)
		}
	}
	if from.Final() {
		return nil, fmt.Errorf("the ticket is %s; nothing more can happen to it", from)
	}
	return nil, fmt.Errorf("a %s ticket cannot become %s", from, to)
}
