package demo

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/gatehouse-dev/gatehouse/shared"
	"github.com/gatehouse-dev/gatehouse/web/auth"
)

// profilePage is the guarded page "/profile": the signed-in user's claims
// and session times, from the app-wide session.
type profilePage struct {
	app.Compo
}

func (p *profilePage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Profile · Gatehouse")
}

func (p *profilePage) Render() app.UI {
	return layout(
		app.H1().Text("Profile"),
		&auth.Guard{Content: func(s shared.Session) app.UI {
			return profileDetails(s, time.Now(), time.Local)
		}},
	)
}

// profileDetails is the description list of s, times in loc, relative to now.
func profileDetails(s shared.Session, now time.Time, loc *time.Location) app.UI {
	return app.Dl().Class("details").Body(
		detail("Name", app.Text(orDash(s.Name))),
		detail("Email", app.Text(orDash(s.Email))),
		detail("Username", app.Text(orDash(s.PreferredUsername))),
		detail("Groups", groupList(s.Groups)),
		detail("Scopes", wordList("scopes", s.Scopes)),
		detail("Signed in at", timeView(s.AuthTime, now, loc)),
		detail("Session ends", timeView(s.ExpiresAt, now, loc)),
		detail("Session limit", timeView(s.MaxExpiresAt, now, loc)),
	)
}

func groupList(groups []string) app.UI { return wordList("groups", groups) }

// wordList is words as a list of class class, or "None".
func wordList(class string, words []string) app.UI {
	if len(words) == 0 {
		return app.Text("None")
	}
	return app.Ul().Class(class).Body(
		app.Range(words).Slice(func(i int) app.UI {
			return app.Li().Text(words[i])
		}),
	)
}

// timeView is t for people ("Sun 29 Nov 2026, 09:00 UTC+1 (in 3 hours)") in
// a <time> element that carries the exact instant.
func timeView(t time.Time, now time.Time, loc *time.Location) app.UI {
	if t.IsZero() {
		return app.Text("Unknown")
	}
	rel := relativeTime(t, now)
	return app.Span().Body(
		app.Time().DateTime(t.UTC().Format(time.RFC3339)).Text(formatTime(t, loc)),
		app.If(rel != "", func() app.UI {
			return app.Span().Class("relative").Text(" (" + rel + ")")
		}),
	)
}
