// Guyub store counter (kasir toko): progressive enhancement only; the page works without it.
// Enter in the member field searches and Enter in the cash field pays (without this script
// Enter adds the typed code). Where the browser has BarcodeDetector (Chrome on Android), a
// camera button scans a barcode into the code field and adds it.
(function () {
  var form = document.getElementById('pos');
  if (!form) return;
  var code = document.getElementById('kode');
  function enterSubmits(inputId, buttonId) {
    var input = document.getElementById(inputId), button = document.getElementById(buttonId);
    if (!input || !button) return;
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); form.requestSubmit(button); }
    });
  }
  enterSubmits('cari_anggota', 'pos-find');
  enterSubmits('dibayar', 'pos-cash');
  var scan = document.getElementById('pos-scan'), video = document.getElementById('pos-video');
  if (!scan || !video || !('BarcodeDetector' in window) || !navigator.mediaDevices) return;
  scan.hidden = false;
  scan.addEventListener('click', function () {
    var detector = new window.BarcodeDetector({ formats: ['ean_13', 'ean_8', 'upc_a', 'upc_e', 'code_128', 'code_39'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      var tick = function () {
        detector.detect(video).then(function (found) {
          if (found.length) { stop(); code.value = found[0].rawValue; form.requestSubmit(document.getElementById('pos-add')); }
          else { requestAnimationFrame(tick); }
        }).catch(function () { stop(); });
      };
      tick();
    }).catch(function () { scan.hidden = true; });
  });
})();
