// Guyub: small progressive enhancement, the pages work without it.
// Print buttons (receipts): the browser's print dialog, without inline script.
document.querySelectorAll('[data-print]').forEach(function (b) {
  b.addEventListener('click', function () { window.print(); });
});
// Region selects: choosing a province, regency or district loads the next list, so the
// "update region lists" button is not needed.
(function () {
  var selects = document.querySelectorAll('select[data-region-level]');
  if (!selects.length) return;
  var order = ['province', 'regency', 'district', 'village'];
  function byLevel(form, level) { return form.querySelector('select[data-region-level="' + level + '"]'); }
  selects.forEach(function (sel) {
    sel.addEventListener('change', function () {
      var form = sel.form, i = order.indexOf(sel.dataset.regionLevel);
      for (var j = i + 1; j < order.length; j++) {
        var s = byLevel(form, order[j]);
        if (s) { s.innerHTML = '<option value="">—</option>'; }
      }
      var next = byLevel(form, order[i + 1]);
      if (!next || !sel.value) return;
      fetch('/wilayah?induk=' + encodeURIComponent(sel.value)).then(function (r) { return r.json(); }).then(function (list) {
        list.forEach(function (r) {
          var o = document.createElement('option'); o.value = r.kode; o.textContent = r.nama; next.appendChild(o);
        });
      });
    });
  });
  document.querySelectorAll('.js-hide').forEach(function (e) { e.hidden = true; });
})();
