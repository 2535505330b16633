/*
 * Small form behaviours that used to be inline handlers, which the pages' strict
 * Content-Security-Policy (contact_center/http_guards.py) no longer runs:
 * a <select data-autosubmit> submits its form when changed (the language and time zone
 * pickers), and a <form data-no-submit> never navigates (the demo shop's newsletter box).
 * An ES module, like every page script (deferred, no globals).
 */
for (const select of document.querySelectorAll('select[data-autosubmit]')) {
  select.addEventListener('change', () => select.form && select.form.submit());
}
for (const form of document.querySelectorAll('form[data-no-submit]')) {
  form.addEventListener('submit', (event) => event.preventDefault());
}
