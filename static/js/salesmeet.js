// SalesMeet's own behaviour. No inline scripts anywhere, so a strict
// Content-Security-Policy can forbid them.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("select[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});
