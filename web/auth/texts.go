package auth

import (
	"fmt"
	"maps"
	"reflect"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared"
)

// Texts are the words the kit shows. [Config].Texts overrides them field by
// field: a zero field keeps the value of [DefaultTexts]. Texts are plain text,
// never markup.
type Texts struct {
	// Buttons.
	SignIn       string // "Sign in"
	SignInAgain  string // "Sign in again"
	SignOut      string // "Sign out"
	TryAgain     string // "Try again"
	StaySignedIn string // "Stay signed in"

	// What a [Guard] shows instead of its content.
	CheckingSession   string // "Checking your session…"
	TakingYouToSignIn string // "Taking you to sign-in…"
	SignedOutTitle    string // "You are not signed in"
	SignedOutText     string // "Sign in to see this page."
	SessionEndedTitle string // "Your session has ended"
	SessionEndedText  string // "Sign in again to continue where you left off."
	CheckFailedTitle  string // "Could not check your session"
	NotAllowedTitle   string // "Not allowed"
	NotAllowedText    string // "Your account does not have access to this page. …"

	// The [SessionBanner].
	BannerLabel   string // "Session ending": the banner's accessible name
	IdleAdvice    string // "You have not been active for a while."
	MaxAdvice     string // "It then reaches its maximum length. …"
	ExtendFailed  string // "Could not extend your session: " (the reason follows)
	SessionEndsIn func(left time.Duration) string

	// [Message]'s sentences for errors whose answer did not say more.
	SessionExpiredMessage          string                  // 401 session_expired
	NotSignedInMessage             string                  // any other 401
	ProviderUnavailableMessage     string                  // 503 provider_unavailable
	SessionStoreUnavailableMessage string                  // 503 session_store_unavailable
	RefusedMessage                 string                  // 403
	NotFoundMessage                string                  // 404
	RateLimitedMessage             string                  // 429
	ServerErrorMessage             string                  // 5xx
	StatusMessage                  func(status int) string // any other status
	TimeoutMessage                 string                  // no answer in time
	NoAnswerMessage                string                  // no answer at all (ErrNoAnswer)
	UnreadableMessage              string                  // an answer that was not the expected JSON

	// The [LoginError] page.
	LoginErrorTitle string // "Sign-in failed"
	ErrorCodeLabel  string // "Error code: " (before a code the kit does not know)
	AdminHintTitle  string // "For your administrator"
	GoHome          string // "Go to the home page"
	// LoginProblems explain each code the BFF sends to shared.RouteLoginError;
	// a code missing here keeps its default, and a code no map holds gets
	// UnknownLoginProblem.
	LoginProblems       map[shared.Code]LoginProblem
	UnknownLoginProblem LoginProblem
}

// LoginProblem explains a failed sign-in on the [LoginError] page.
type LoginProblem struct {
	// Summary says what happened, for the user.
	Summary string
	// Advice says what the user can do about it.
	Advice string
	// AdminHint tells whoever runs the app (an Okta admin) what to check;
	// shown under Texts.AdminHintTitle, and left out when empty.
	AdminHint string
}

// DefaultTexts returns the kit's English texts: a new value each call, which
// the caller may change.
func DefaultTexts() Texts {
	return Texts{
		SignIn:       "Sign in",
		SignInAgain:  "Sign in again",
		SignOut:      "Sign out",
		TryAgain:     "Try again",
		StaySignedIn: "Stay signed in",

		CheckingSession:   "Checking your session…",
		TakingYouToSignIn: "Taking you to sign-in…",
		SignedOutTitle:    "You are not signed in",
		SignedOutText:     "Sign in to see this page.",
		SessionEndedTitle: "Your session has ended",
		SessionEndedText:  "Sign in again to continue where you left off.",
		CheckFailedTitle:  "Could not check your session",
		NotAllowedTitle:   "Not allowed",
		NotAllowedText:    "Your account does not have access to this page. If you need it, ask your administrator.",

		BannerLabel:   "Session ending",
		IdleAdvice:    "You have not been active for a while.",
		MaxAdvice:     "It then reaches its maximum length. Sign in again to start a new session.",
		ExtendFailed:  "Could not extend your session: ",
		SessionEndsIn: sessionEndsIn,

		SessionExpiredMessage:      "Your session has ended. Sign in again.",
		NotSignedInMessage:         "You are not signed in.",
		ProviderUnavailableMessage: "Your sign-in provider is not answering. Your session is kept; try again in a moment.",
		// Gatehouse's own store, not the provider: say so, but name no
		// technology (which store it is is for the operator's log). The BFF
		// keeps the session through the outage.
		SessionStoreUnavailableMessage: "Sign-in is temporarily unavailable: Gatehouse's session store is not answering. " +
			"You are still signed in; try again in a moment.",
		RefusedMessage:     "The server refused this request.",
		NotFoundMessage:    "The server has no such resource.",
		RateLimitedMessage: "Too many requests. Wait a moment and try again.",
		ServerErrorMessage: "The server had a problem. Try again in a moment.",
		StatusMessage: func(status int) string {
			return fmt.Sprintf("The server answered with an error (HTTP %d).", status)
		},
		TimeoutMessage:    "The server took too long to answer. Try again.",
		NoAnswerMessage:   "The server could not be reached. Check your connection and try again.",
		UnreadableMessage: "The answer from the server could not be read. Try again.",

		LoginErrorTitle:     "Sign-in failed",
		ErrorCodeLabel:      "Error code: ",
		AdminHintTitle:      "For your administrator",
		GoHome:              "Go to the home page",
		LoginProblems:       defaultLoginProblems(),
		UnknownLoginProblem: unknownLoginProblem,
	}
}

// withDefaults returns t with every zero field taken from DefaultTexts, and
// LoginProblems merged over the default map.
func (t Texts) withDefaults() Texts {
	def := DefaultTexts()
	maps.Copy(def.LoginProblems, t.LoginProblems) // a new map: t's stays the caller's
	t.LoginProblems = def.LoginProblems
	out := reflect.ValueOf(&t).Elem()
	dv := reflect.ValueOf(def)
	for i := range out.NumField() {
		if f := out.Field(i); f.IsZero() {
			f.Set(dv.Field(i))
		}
	}
	return t
}

// sessionEndsIn is the banner's first line: "Your session ends in 1 minute",
// "Your session ends in 45 seconds", or "Your session is ending now" once
// the end has passed.
func sessionEndsIn(left time.Duration) string {
	if left <= 0 {
		return "Your session is ending now"
	}
	return "Your session ends in " + formatLeft(left)
}

// formatLeft says how long d is for the banner: d rounded up to whole
// seconds ("45 seconds", "1 second": never "0 seconds" while time is left),
// and from 60 seconds on in whole minutes rounded down ("1 minute" up to 119
// seconds, "2 minutes"). d must be positive.
func formatLeft(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs >= 60 {
		return plural(secs/60, "minute")
	}
	return plural(secs, "second")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
