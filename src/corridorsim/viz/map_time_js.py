"""The time slider's JavaScript (plain, no library but Leaflet), inlined into ``map.html``.

``corridorsimTimeSlider(map, data)`` adds a control with a range input (0 = the whole run,
``k`` = the k-th week) and a week label; moving it restyles the facility markers (radius and
colour from the TEU queued) and route lines (weight from the TEU booked) found by their
keys (Leaflet option ``tags``, added to the elements' classes), and lists the week's routes and longest queues. ``data`` is
:func:`corridorsim.viz.map_time.time_data`.
"""

from __future__ import annotations

__all__ = ["SLIDER_JS"]

SLIDER_JS = r"""
function corridorsimTimeSlider(map, D) {
  var fac = {}, rts = {};
  function collect(layer) {
    var tags = (layer.options && layer.options.tags) || [];
    var e = layer.getElement ? layer.getElement() : null;
    tags.forEach(function (c) {
      if (c.indexOf('fac-') === 0) { fac[c] = layer; }
      else if (c.indexOf('rk-') === 0) { rts[c] = layer; }
      else { return; }
      if (e) { L.DomUtil.addClass(e, c); }
    });
  }
  map.eachLayer(collect);
  function saved(layer) {
    var t = layer.getTooltip && layer.getTooltip();
    return {radius: layer.options.radius, weight: layer.options.weight,
            fillColor: layer.options.fillColor, tip: t ? t.getContent() : null};
  }
  var F = D.facilities.filter(function (f) { return fac[f.cls]; });
  var R = D.routes.filter(function (r) { return rts[r.cls]; });
  F.forEach(function (f) { f.layer = fac[f.cls]; f.orig = saved(f.layer); });
  R.forEach(function (r) { r.layer = rts[r.cls]; r.orig = saved(r.layer); });

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function num(x, d) {
    return x === null || x === undefined ? 'n/a' : x.toLocaleString('en-GB',
      {minimumFractionDigits: d || 0, maximumFractionDigits: d || 0});
  }
  function colour(q) {
    if (q === null || q === undefined) { return '#999999'; }
    for (var i = 0; i < D.bins.length; i++) {
      if (D.bins[i][0] === null || q < D.bins[i][0]) { return D.bins[i][1]; }
    }
    return D.bins[D.bins.length - 1][1];
  }
  function el(tag, cls, text) {
    var e = L.DomUtil.create(tag, cls || '');
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  var ctl = L.control({position: 'bottomright'});
  var input, label, detail;
  ctl.onAdd = function () {
    var div = L.DomUtil.create('div', 'time-panel');
    var head = el('div', 'time-head');
    head.appendChild(el('b', '', 'Week '));
    label = el('span', '', 'whole run');
    label.id = 'week-label';
    head.appendChild(label);
    div.appendChild(head);
    input = el('input');
    input.type = 'range'; input.id = 'week-slider';
    input.min = '0'; input.max = String(D.weeks.length); input.step = '1'; input.value = '0';
    input.setAttribute('aria-label', 'week of the run (0: whole run)');
    div.appendChild(input);
    var lg = el('div', 'time-legend', 'TEU queued: ');
    D.bins.forEach(function (b) {
      var s = el('span', 'nowrap');
      var dot = el('i', 'dot');
      dot.style.background = b[1];
      s.appendChild(dot);
      s.appendChild(document.createTextNode(b[2] + ' '));
      lg.appendChild(s);
    });
    div.appendChild(lg);
    detail = el('div', 'time-detail');
    detail.id = 'week-detail';
    div.appendChild(detail);
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  ctl.addTo(map);

  function restore() {
    F.forEach(function (f) {
      f.layer.setRadius(f.orig.radius);
      f.layer.setStyle({fillColor: f.orig.fillColor});
      if (f.orig.tip !== null) { f.layer.setTooltipContent(f.orig.tip); }
    });
    R.forEach(function (r) {
      r.layer.setStyle({weight: r.orig.weight});
      if (r.orig.tip !== null) { r.layer.setTooltipContent(r.orig.tip); }
    });
    label.textContent = 'whole run';
    detail.textContent = 'Drag to see a week: queue at each facility, TEU on each route.';
    map.getContainer().setAttribute('data-week', '');
  }

  function facilityTip(f, k) {
    return '<b>' + esc(f.name) + '</b><br>' + num(f.q[k]) + ' TEU queued (' +
      num(f.at[k]) + ' at the facility, ' + num(f.on[k]) + ' waiting onward; mean)' +
      '<br>utilisation ' + (f.u[k] === null ? 'n/a' : num(100 * f.u[k], 1) + ' %') +
      ' · server wait ' + num(f.w[k], 1) + ' h';
  }

  function showWeek(k) {
    var wk = D.weeks[k];
    F.forEach(function (f) {
      var q = f.q[k];
      var r = D.q_max > 0 && q !== null ? 3 + 13 * Math.sqrt(Math.max(q, 0) / D.q_max) : 3;
      f.layer.setRadius(Math.round(r * 10) / 10);
      f.layer.setStyle({fillColor: colour(q)});
      f.layer.setTooltipContent(facilityTip(f, k));
    });
    R.forEach(function (r) {
      var t = r.booked[k];
      var w = D.teu_max > 0 && t !== null ? 1.5 + 8.5 * Math.sqrt(Math.max(t, 0) / D.teu_max) : 1.5;
      r.layer.setStyle({weight: Math.round(w * 10) / 10});
      r.layer.setTooltipContent(esc(r.label) + '<br>' + wk.id + ': ' + num(r.booked[k]) +
        ' TEU booked, ' + num(r.delivered[k]) + ' delivered');
    });
    label.textContent = wk.label;
    map.getContainer().setAttribute('data-week', wk.id);
    weekDetail(k, wk);
  }

  function weekDetail(k, wk) {
    detail.textContent = '';
    var tab = el('table', 'time-routes');
    var hr = el('tr');
    ['Route', 'booked', 'delivered', 'P50 (d)'].forEach(function (h) { hr.appendChild(el('th', '', h)); });
    tab.appendChild(hr);
    R.forEach(function (r) {
      var tr = el('tr');
      var td = el('td');
      var sw = el('i', 'swatch');
      sw.style.background = r.colour;
      td.appendChild(sw);
      td.appendChild(document.createTextNode(r.short));
      td.title = r.label;
      tr.appendChild(td);
      tr.appendChild(el('td', '', num(r.booked[k])));
      tr.appendChild(el('td', '', num(r.delivered[k])));
      tr.appendChild(el('td', '', num(r.p50[k], 1)));
      tab.appendChild(tr);
    });
    detail.appendChild(tab);
    var top = F.filter(function (f) { return f.q[k] !== null && f.q[k] > 0; })
      .sort(function (a, b) { return b.q[k] - a.q[k]; }).slice(0, 3);
    if (top.length) {
      detail.appendChild(el('div', 'time-top', 'Most TEU queued: ' + top.map(function (f) {
        return f.name + ' ' + num(f.q[k]);
      }).join(' · ')));
    }
    D.closures.forEach(function (c) {
      if (wk.h0 !== null && c.h0 < wk.h1 && c.h1 > wk.h0) {
        detail.appendChild(el('div', 'time-closure', c.label));
      }
    });
  }

  function update() {
    var k = parseInt(input.value, 10);
    if (k > 0 && k <= D.weeks.length) { showWeek(k - 1); } else { restore(); }
  }
  L.DomEvent.on(input, 'input change', update);
  restore();
}
"""
