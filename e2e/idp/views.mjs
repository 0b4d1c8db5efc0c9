// HTML pages of the dev provider: plain HTML with inline CSS, nothing loaded from elsewhere
// (the machines are offline). Every interpolated value goes through esc().

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function esc(value) {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f4f4f4;color:#1d1d21;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:400px;margin:48px auto;background:#fff;border:1px solid #ddd;border-radius:4px;box-shadow:0 2px 0 rgba(175,175,175,.12);padding:32px 42px 28px}
.brand{text-align:center;font-weight:600;letter-spacing:.04em;color:#5e5e62;margin:0 0 20px;padding-bottom:16px;border-bottom:1px solid #ddd}
h1{font-size:1.25rem;font-weight:600;text-align:center;margin:0 0 20px}
label{display:block;font-weight:600;margin:14px 0 6px}
input[type=text],input[type=password]{width:100%;height:40px;padding:6px 10px;border:1px solid #8c8c96;border-radius:4px;font:inherit}
input:focus{outline:2px solid #1662dd;outline-offset:1px}
.alert{background:#fff0ef;border:1px solid #d93934;border-radius:4px;color:#a01a16;padding:10px 12px;margin:0 0 6px}
.actions{display:flex;flex-direction:column;gap:10px;margin-top:22px}
button{height:44px;border-radius:4px;font:inherit;font-weight:600;cursor:pointer}
button.primary{background:#1662dd;border:1px solid #1662dd;color:#fff}
button.primary:hover{background:#1050b8}
button.secondary{background:#fff;border:1px solid #8c8c96;color:#1d1d21}
p.note{color:#5e5e62;font-size:.85rem;text-align:center;margin:18px 0 0}
`;

function layout(title, body, { headExtra = '' } = {}) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(title)}</title>
<style>${CSS}</style>
${headExtra}
</head>
<body>
<main>
<p class="brand">Gatehouse dev IdP</p>
${body}
</main>
</body>
</html>`;
}

// The sign-in form. Sign in posts to `action`; Cancel posts to `cancelAction` (formnovalidate
// so that empty fields do not block it).
export function signInPage({ action, cancelAction, clientName, username = '', error = '' }) {
  return layout('Sign In', `
<h1>Sign In</h1>
${clientName ? `<p class="note" style="margin:-8px 0 16px">to continue to ${esc(clientName)}</p>` : ''}
${error ? `<div class="alert" role="alert">${esc(error)}</div>` : ''}
<form method="post" action="${esc(action)}" autocomplete="off" novalidate>
  <label for="username">Username</label>
  <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${esc(username)}"${username ? '' : ' autofocus'}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${username ? ' autofocus' : ''}>
  <div class="actions">
    <button class="primary" type="submit">Sign in</button>
    <button class="secondary" type="submit" formaction="${esc(cancelAction)}" formnovalidate>Cancel</button>
  </div>
</form>
<p class="note">Dev users: alice / wonderland, bob / builder</p>`);
}

// RP-initiated logout. With a valid id_token_hint the form submits itself (Okta shows no
// confirmation); without one the user confirms with a button.
export function logoutPage({ form, auto }) {
  if (auto) {
    return layout('Signing Out', `
<h1>Signing out…</h1>
${form}
<noscript><div class="actions"><button class="primary" type="submit" form="op.logoutForm">Continue</button></div></noscript>
<script>document.getElementById('op.logoutForm').submit()</script>`);
  }
  return layout('Sign Out', `
<h1>Sign out?</h1>
${form}
<div class="actions"><button class="primary" type="submit" form="op.logoutForm">Sign out</button></div>`);
}

export function postLogoutPage() {
  return layout('Signed Out', '<h1>You have been signed out</h1>');
}

export function errorPage(out) {
  const rows = Object.entries(out ?? {})
    .map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(v)}</p>`)
    .join('\n');
  return layout('Error', `<h1>Something went wrong</h1>\n<div class="alert" role="alert">${rows}</div>`);
}
