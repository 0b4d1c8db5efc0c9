package demo

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// ordersList is the demo API's answer to GET /orders (through the BFF at
// ordersPath).
type ordersList struct {
	Owner  string  `json:"owner"`
	Orders []order `json:"orders"`
}

// order is one of the demo API's orders.
type order struct {
	ID       string    `json:"id"`
	Item     string    `json:"item"`
	Quantity int       `json:"quantity"`
	Total    string    `json:"total"`
	Currency string    `json:"currency"`
	Status   string    `json:"status"`
	PlacedAt time.Time `json:"placedAt"`
}

// ordersTable renders the orders as a table, times in loc. An empty list is
// the text "No orders yet".
func ordersTable(list ordersList, loc *time.Location) app.UI {
	if len(list.Orders) == 0 {
		return app.P().Class("empty").Text("No orders yet")
	}
	caption := "Your orders"
	if list.Owner != "" {
		caption = "Orders placed by " + list.Owner
	}
	return app.Div().Class("table-wrap").TabIndex(0).Role("region").Aria("label", caption).Body(
		app.Table().Class("orders").Body(
			app.Caption().Text(caption),
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Text("Order"),
				app.Th().Scope("col").Text("Item"),
				app.Th().Scope("col").Class("num").Text("Quantity"),
				app.Th().Scope("col").Class("num").Text("Total"),
				app.Th().Scope("col").Text("Status"),
				app.Th().Scope("col").Text("Placed"),
			)),
			app.TBody().Body(app.Range(list.Orders).Slice(func(i int) app.UI {
				o := list.Orders[i]
				// data-label: the column's name, shown by app.css on small
				// screens, where each row is a card.
				return app.Tr().Body(
					app.Th().Scope("row").Text(o.ID),
					app.Td().Class("item").DataSet("label", "Item").Text(o.Item),
					app.Td().Class("num").DataSet("label", "Quantity").Text(strconv.Itoa(o.Quantity)),
					app.Td().Class("num").DataSet("label", "Total").Text(strings.TrimSpace(o.Total+" "+o.Currency)),
					app.Td().DataSet("label", "Status").Body(app.Span().Class(statusClass(o.Status)).Text(o.Status)),
					app.Td().DataSet("label", "Placed").Body(placedView(o.PlacedAt, loc)),
				)
			})),
		),
	)
}

func placedView(t time.Time, loc *time.Location) app.UI {
	if t.IsZero() {
		return app.Text("—")
	}
	return app.Time().DateTime(t.UTC().Format(time.RFC3339)).Text(formatTime(t, loc))
}

// statusClass is the badge class for an order status: a known status gets its
// colour, anything else the plain badge (the API's text never becomes a class
// name of its choosing).
func statusClass(status string) string {
	switch s := strings.ToLower(status); s {
	case "pending", "processing", "shipped", "delivered", "cancelled":
		return "badge badge-" + s
	default:
		return "badge"
	}
}
