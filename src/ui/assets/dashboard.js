// The dashboard's only script (plain JavaScript, no build step): confirmations for actions,
// charts (uPlot) and tracked metrics from the JSON routes, logs with filter and live follow, and
// the test widget. Pages work without it, except these live parts.
'use strict';
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

  document.addEventListener('submit', (event) => {
    const form = event.target;
    const question = form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });

  const getJson = async (url) => {
    const answer = await fetch(url, { credentials: 'same-origin' });
    if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
    return answer.json();
  };
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  };
  const colours = ['#2f7ed8', '#e4572e', '#8a5cd0', '#17a589'];

  /** One uPlot chart in a figure; data-points counts the non-null points a person would see. */
  function chartFigure(chart, width, from, to) {
    const ink = getComputedStyle(document.body).color;
    const points = chart.data.slice(1).reduce((n, ys) => n + ys.filter((y) => y !== null).length, 0);
    const figure = el('figure', { 'data-chart': chart.id, 'data-points': String(points) }, el('figcaption', {}, chart.title, ' ', el('small', {}, chart.unit)));
    const opts = {
      width, height: 200,
      series: [{}].concat(chart.series.map((label, i) => ({ label, stroke: colours[i % colours.length], width: 1.5, spanGaps: false, points: { show: chart.data[0].length < 60 } }))),
      axes: [{ stroke: ink, grid: { stroke: 'rgba(128,128,128,.2)' } }, { stroke: ink, grid: { stroke: 'rgba(128,128,128,.2)' }, size: 60 }],
      // The whole range asked for, so a few points sit where they belong in time.
      // Technical charts keep the range asked for; tracked metrics (from, to null) fit their points.
      scales: { x: from === null ? { time: true } : { time: true, range: [from, to] } },
    };
    // With no point yet the axes are still drawn (over the range asked for, y from 0 to 1), with
    // the chart's own empty state: CPU, measured between two samples, has none after the first.
    if (points === 0) {
      opts.scales.y = { range: [0, 1] };
      figure.classList.add('chart-empty');
      figure.dataset.empty = 'true';
    }
    if (window.uPlot && (chart.data[0].length > 0 || from !== null)) new window.uPlot(opts, chart.data, figure);
    if (points === 0) figure.append(el('p', { class: 'hint' }, chart.data[0].length === 0 ? 'No data in this range yet.' : (chart.empty ?? 'No data in this range yet.')));
    return figure;
  }

  const charts = document.getElementById('charts');
  if (charts) {
    const model = charts.dataset.model;
    const grid = document.getElementById('chart-grid');
    let range = '1h';
    const load = async () => {
      const data = await getJson(`/ui/api/models/${encodeURIComponent(model)}/series?range=${range}`);
      const width = Math.max(320, Math.min(600, grid.clientWidth - 20));
      grid.replaceChildren(...data.charts.map((c) => chartFigure(c, width, data.from, data.to)));
      grid.dataset.loaded = range;
    };
    charts.querySelectorAll('button[data-range]').forEach((b) => b.addEventListener('click', () => {
      range = b.dataset.range;
      charts.querySelectorAll('button[data-range]').forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
      load().catch((e) => grid.replaceChildren(el('p', { class: 'error' }, String(e.message))));
    }));
    load().catch((e) => grid.replaceChildren(el('p', { class: 'error' }, String(e.message))));
  }

  const tracked = document.getElementById('tracked');
  if (tracked) {
    const body = document.getElementById('tracked-body');
    getJson(`/ui/api/models/${encodeURIComponent(tracked.dataset.model)}/tracked`).then((data) => {
      if (data.metrics.length === 0) return body.replaceChildren(el('p', { class: 'hint' }, 'This model has tracked no metrics in the last two weeks.'));
      body.replaceChildren(...data.metrics.map((m) => {
        const rows = m.rows.map((r) => el('tr', {}, el('td', {}, new Date(r.at).toISOString().replace('T', ' ').slice(0, 19)), el('td', {}, el('code', {}, r.uuid ?? '—')), el('td', { class: 'num' }, r.value)));
        const table = el('table', {}, el('caption', {}, `${m.title}: latest values`), el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Time'), el('th', { scope: 'col' }, 'Prediction'), el('th', { scope: 'col' }, 'Value'))), el('tbody', {}, ...rows));
        return el('div', { class: 'tracked-metric' }, chartFigure(m, Math.min(600, body.clientWidth - 20), m.data[0].length > 1 ? null : data.from, data.to), table);
      }));
    }).catch((e) => body.replaceChildren(el('p', { class: 'error' }, String(e.message))));
  }

  const logs = document.getElementById('logs');
  if (logs) {
    const list = document.getElementById('log-lines');
    const replica = document.getElementById('log-replica');
    const filter = document.getElementById('log-filter');
    const follow = document.getElementById('log-follow');
    let timer = null;
    const load = async () => {
      const q = new URLSearchParams({ replica: replica.value, q: filter.value });
      const data = await getJson(`/ui/api/models/${encodeURIComponent(logs.dataset.model)}/logs?${q}`);
      list.replaceChildren(...data.lines.map((l) => el('li', { class: `stream-${l.stream}` }, el('span', { class: 'meta' }, `${l.time.replace('T', ' ').slice(0, 23)} ${l.replicaId} ${l.stream} `), l.text)));
      if (data.lines.length === 0) list.append(el('li', { class: 'meta' }, data.note || 'No lines.'));
    };
    const reload = () => load().catch((e) => list.replaceChildren(el('li', { class: 'error' }, String(e.message))));
    replica.addEventListener('change', reload);
    filter.addEventListener('input', reload);
    follow.addEventListener('change', () => {
      clearInterval(timer);
      if (follow.checked) timer = setInterval(reload, 2000);
    });
    reload();
  }

  const widget = document.getElementById('test-widget');
  if (widget) {
    const output = document.getElementById('test-output');
    const latency = document.getElementById('test-latency');
    // The model's input schema from the gateway's OpenAPI document (declared, or inferred from its
    // examples), shown beside the prefilled example; nothing when it says nothing. The dashboard
    // asks /openapi.json for it with the session's key (the document needs one).
    fetch(`/ui/api/models/${encodeURIComponent(widget.dataset.model)}/schema`, { credentials: 'same-origin' })
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((data) => {
        const schema = data?.schema;
        if (!schema || Object.keys(schema).length === 0) return;
        document.getElementById('test-schema-text').textContent = JSON.stringify(schema, null, 2);
        document.getElementById('test-schema').hidden = false;
      })
      .catch(() => {});
    widget.addEventListener('submit', async (event) => {
      event.preventDefault();
      let input;
      try {
        input = JSON.parse(document.getElementById('test-input').value);
      } catch (e) {
        output.textContent = `The request is not valid JSON: ${e.message}`;
        return;
      }
      output.textContent = 'calling…';
      const answer = await fetch(`/ui/models/${encodeURIComponent(widget.dataset.model)}/call`, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ input }),
      });
      const data = await answer.json();
      if (!answer.ok) {
        output.textContent = data.error ?? answer.statusText;
        return;
      }
      latency.textContent = `HTTP ${data.status} in ${data.ms} ms`;
      output.textContent = JSON.stringify(data.body, null, 2);
    });
  }
})();
