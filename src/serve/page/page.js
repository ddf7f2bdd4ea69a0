// The counter page of `shikaku serve`: a form built from /api/schema, a debounced preview,
// the rules' decision with its reasons, and each field's Japanese message beside the field.
'use strict';

const DEBOUNCE_MS = 300;
const WIDE_FIELDS = ['name', 'name_kana', 'address', 'householder_name', 'remarks', 'mail_to_name', 'mail_to_address'];
const PLACEHOLDERS = { date: '例 2025-08-01', postal_code: '例 370-0801', mail_to_postal_code: '例 370-0801' };

const state = {
  schema: [],
  layouts: [],
  issuers: [],
  timer: null,
  seq: 0,
  controller: null,
  png: true, // false once the server says PNG is not available (501): show the PDF instead
  pdfUrl: null,
  imageUrls: [],
};

const $ = (id) => document.getElementById(id);

function setStatus(text, error) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', Boolean(error));
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw body;
  return body;
}

async function init() {
  try {
    [state.schema, state.layouts, state.issuers] = await Promise.all([
      getJson('/api/schema'), getJson('/api/layouts'), getJson('/api/issuers'),
    ]);
  } catch (e) {
    setStatus('サーバーに接続できません', true);
    return;
  }
  buildLayouts();
  buildIssuers();
  buildForm();
  $('lookup').addEventListener('submit', (event) => { event.preventDefault(); lookup(); });
  $('layout').addEventListener('change', () => schedule(0));
  $('clear').addEventListener('click', () => { fill({}); schedule(0); });
  $('print').addEventListener('click', print);
  fill({});
  setStatus('入力してください');
}

function buildLayouts() {
  const select = $('layout');
  for (const layout of state.layouts) {
    const option = document.createElement('option');
    option.value = layout.name;
    option.textContent = `${layout.title}（${layout.name}）`;
    select.append(option);
  }
}

function buildIssuers() {
  const list = $('insurers');
  for (const issuer of state.issuers) {
    const option = document.createElement('option');
    option.value = issuer.insurer_number;
    option.label = `${issuer.name}（${issuer.scheme === 'kouki' ? '後期高齢者医療' : '国民健康保険'}）`;
    list.append(option);
  }
}

function buildForm() {
  const form = $('record');
  for (const field of state.schema) {
    const box = document.createElement('div');
    box.className = 'field';
    box.dataset.field = field.name;
    if (WIDE_FIELDS.includes(field.name)) box.classList.add('wide');
    const label = document.createElement('label');
    label.htmlFor = `f-${field.name}`;
    label.textContent = field.label;
    if (field.required) {
      const mark = document.createElement('span');
      mark.className = 'required';
      mark.textContent = '必須';
      label.append(mark);
    }
    let input;
    if (field.input === 'select') {
      input = document.createElement('select');
      const empty = document.createElement('option');
      empty.value = '';
      empty.textContent = '（選択）';
      input.append(empty);
      for (const [value, text] of field.options) {
        const option = document.createElement('option');
        option.value = value;
        option.textContent = text;
        input.append(option);
      }
    } else {
      input = document.createElement('input');
      input.type = field.input === 'checkbox' ? 'checkbox' : 'text';
      if (field.input === 'date') {
        input.placeholder = PLACEHOLDERS.date;
        input.inputMode = 'numeric';
      }
      if (PLACEHOLDERS[field.name]) input.placeholder = PLACEHOLDERS[field.name];
      if (field.name === 'insurer_number') input.setAttribute('list', 'insurers');
      input.spellcheck = false;
    }
    input.id = `f-${field.name}`;
    input.name = field.name;
    const message = document.createElement('p');
    message.className = 'message';
    message.id = `m-${field.name}`;
    input.setAttribute('aria-describedby', message.id);
    if (field.input === 'checkbox') {
      box.classList.add('checkbox');
      box.append(input, label, message);
    } else {
      box.append(label, input, message);
    }
    input.addEventListener(field.input === 'text' || field.input === 'date' ? 'input' : 'change', () => {
      if (field.name === 'scheme') onScheme();
      schedule(DEBOUNCE_MS);
    });
    form.append(box);
  }
}

// Hides 記号 and 枝番 for kouki, and fills in the insurer number when one profile fits the scheme.
function onScheme() {
  const scheme = $('f-scheme').value;
  for (const field of state.schema) {
    if (field.scheme) $(`f-${field.name}`).closest('.field').hidden = Boolean(scheme) && scheme !== field.scheme;
  }
  const insurer = $('f-insurer_number');
  const fitting = state.issuers.filter((i) => i.scheme === scheme);
  if (fitting.length === 1 && (!insurer.value || !state.issuers.some((i) => i.insurer_number === insurer.value && i.scheme === scheme))) {
    insurer.value = fitting[0].insurer_number;
  }
}

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// Puts a record's values into the form (everything else cleared; 交付年月日 defaults to today).
function fill(values) {
  for (const field of state.schema) {
    const input = $(`f-${field.name}`);
    const value = values[field.name];
    if (field.input === 'checkbox') input.checked = value === true || value === 'true';
    else input.value = value === undefined || value === null ? '' : String(value);
  }
  if (!values.issue_date) $('f-issue_date').value = today();
  onScheme();
}

// The form as a record: empty fields left out, check boxes and あり/なし as booleans.
function collect() {
  const record = {};
  for (const field of state.schema) {
    const input = $(`f-${field.name}`);
    if (input.closest('.field').hidden) continue;
    if (field.input === 'checkbox') {
      record[field.name] = input.checked;
    } else if (input.value.trim() !== '') {
      const value = input.value.trim();
      record[field.name] = field.name === 'has_myna_hoken' ? value === 'true' : value;
    }
  }
  return record;
}

function schedule(delay) {
  clearTimeout(state.timer);
  state.timer = setTimeout(update, delay);
}

function post(path, record, signal) {
  const layout = $('layout').value;
  const separator = path.includes('?') ? '&' : '?';
  const url = layout ? `${path}${separator}layout=${encodeURIComponent(layout)}` : path;
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(record),
    signal,
  });
}

async function update() {
  const record = collect();
  const seq = ++state.seq;
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const typed = state.schema.some((f) => f.required && f.name !== 'issue_date' && record[f.name] !== undefined);
  if (!typed) {
    showFieldErrors([]);
    clearPreview('empty');
    showDecision(null);
    setStatus('入力してください');
    return;
  }
  setStatus('更新中…');
  $('preview').dataset.state = 'loading';
  try {
    const [explain, pdf] = await Promise.all([
      post('/api/explain', record, controller.signal),
      post('/api/render', record, controller.signal),
    ]);
    if (seq !== state.seq) return;
    const explained = await explain.json();
    showDecision(explain.ok ? explained : null);
    if (!pdf.ok) {
      const error = await pdf.json();
      if (seq !== state.seq) return;
      showFieldErrors(error.errors || [error]);
      clearPreview('error');
      setStatus('入力に誤りがあります', true);
      return;
    }
    showFieldErrors([]);
    const blob = await pdf.blob();
    const layout = pdf.headers.get('X-Shikaku-Layout') || 'document';
    const pages = Number(pdf.headers.get('X-Shikaku-Pages') || '1');
    if (seq !== state.seq) return;
    await showPreview(record, blob, layout, pages, controller.signal, seq);
  } catch (e) {
    if (e.name === 'AbortError') return;
    if (seq !== state.seq) return;
    clearPreview('error');
    setStatus('サーバーに接続できません', true);
  }
}

async function showPreview(record, pdfBlob, layout, pages, signal, seq) {
  const images = state.png ? await pngPages(record, pages, signal) : null;
  if (seq !== state.seq) {
    if (images) images.forEach((url) => URL.revokeObjectURL(url));
    return;
  }
  clearPreview('loading');
  state.pdfUrl = URL.createObjectURL(pdfBlob);
  const preview = $('preview');
  preview.textContent = '';
  if (images) {
    state.imageUrls = images;
    const loads = images.map((url, i) => {
      const img = document.createElement('img');
      img.alt = `${i + 1}ページ目のプレビュー`;
      img.src = url;
      preview.append(img);
      return img.decode().catch(() => undefined);
    });
    await Promise.all(loads);
    preview.dataset.kind = 'png';
  } else {
    const frame = document.createElement('iframe');
    frame.title = '書類のプレビュー（PDF）';
    frame.src = state.pdfUrl;
    preview.append(frame);
    preview.dataset.kind = 'pdf';
  }
  if (seq !== state.seq) return;
  const download = $('download');
  download.href = state.pdfUrl;
  download.download = `${layout}-${String(record.record_id || 'record').replace(/[^\w.-]/g, '_')}.pdf`;
  download.setAttribute('aria-disabled', 'false');
  $('print').disabled = false;
  preview.dataset.layout = layout;
  preview.dataset.state = 'ready';
  setStatus('最新の内容です');
}

// The PNG of every page, or null when the server has no PNG output (then the PDF is shown).
async function pngPages(record, pages, signal) {
  const urls = [];
  for (let page = 1; page <= pages; page++) {
    const response = await post(`/api/render?format=png&page=${page}`, record, signal);
    if (response.status === 501) {
      state.png = false;
      urls.forEach((url) => URL.revokeObjectURL(url));
      return null;
    }
    if (!response.ok) throw new Error(`PNG ${response.status}`);
    urls.push(URL.createObjectURL(await response.blob()));
  }
  return urls;
}

function clearPreview(nextState) {
  if (state.pdfUrl) URL.revokeObjectURL(state.pdfUrl);
  state.imageUrls.forEach((url) => URL.revokeObjectURL(url));
  state.pdfUrl = null;
  state.imageUrls = [];
  const download = $('download');
  download.removeAttribute('href');
  download.setAttribute('aria-disabled', 'true');
  $('print').disabled = true;
  const preview = $('preview');
  preview.dataset.state = nextState;
  if (nextState !== 'loading') {
    preview.textContent = '';
    const p = document.createElement('p');
    p.className = 'placeholder';
    p.textContent = nextState === 'error' ? '入力の誤りを直すと、書類が表示されます' : '必須項目を入力すると、ここに書類が表示されます';
    preview.append(p);
  }
}

// Each error's Japanese message beside its field; those about no field below the form.
function showFieldErrors(errors) {
  for (const field of state.schema) {
    $(`m-${field.name}`).textContent = '';
    $(`f-${field.name}`).removeAttribute('aria-invalid');
  }
  const general = [];
  for (const error of errors) {
    const input = error.field && $(`f-${error.field}`);
    if (input && !input.closest('.field').hidden) {
      const message = $(`m-${error.field}`);
      message.textContent = message.textContent ? `${message.textContent} / ${error.message_ja}` : error.message_ja;
      input.setAttribute('aria-invalid', 'true');
    } else {
      general.push(error.message_ja);
    }
  }
  $('form-message').textContent = general.join(' / ');
}

const DOCUMENTS = { kakuninsho: '資格確認書', oshirase: '資格情報のお知らせ' };
const SCHEMES = { kokuho: '国民健康保険', kouki: '後期高齢者医療' };

// The decision (書類, 有効期限, 発効期日, 負担割合, 特別療養) with the rule behind each.
function showDecision(explained) {
  const list = $('decision-values');
  const problems = $('decision-errors');
  list.textContent = '';
  problems.textContent = '';
  if (!explained) return;
  const reasons = Object.fromEntries((explained.reasons || []).map((r) => [r.field, r]));
  const add = (label, value, reasonField) => {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    const reason = reasons[reasonField];
    if (reason) {
      const small = document.createElement('span');
      small.className = 'reason';
      small.textContent = `${reason.detail}（${reason.rule}）`;
      dd.append(small);
    }
    list.append(dt, dd);
  };
  add('発行者', `${explained.issuer.name}（${explained.issuer.insurer_number}）`);
  if (explained.errors) {
    add('制度', SCHEMES[explained.scheme] || explained.scheme);
    for (const error of explained.errors) {
      const li = document.createElement('li');
      li.textContent = `${error.label}: ${error.message_ja}`;
      problems.append(li);
    }
    return;
  }
  add('書類', `${DOCUMENTS[explained.document]}（${explained.layout.title}）`, 'document');
  add('制度', SCHEMES[explained.scheme] || explained.scheme);
  add('更新期間', `${explained.cycle.start} 〜 ${explained.cycle.end}`, 'cycle');
  add('有効期限', explained.expiry_date || '記載なし', 'expiry_date');
  add('発効期日', explained.effective_date || '記載なし', 'effective_date');
  add('負担割合', explained.copay_ratio ? `${explained.copay_ratio}割` : '記載なし', 'copay_ratio');
  add('特別療養', explained.special_medical ? '対象' : '対象外', 'special_medical');
  add('年齢（更新期間の初日）', `${explained.age_at_cycle_start}歳`);
  for (const warning of explained.warnings || []) {
    const li = document.createElement('li');
    li.className = 'warning';
    li.textContent = `${warning.label}: ${warning.message_ja}`;
    problems.append(li);
  }
}

async function lookup() {
  const key = $('lookup-key').value.trim();
  const message = $('lookup-message');
  message.classList.remove('info');
  if (!key) {
    message.textContent = '番号かレコードIDを入力してください';
    return;
  }
  try {
    const found = await getJson(`/api/records/${encodeURIComponent(key)}`);
    fill(found.record);
    message.classList.add('info');
    message.textContent = `レコードID ${found.record.record_id} の記録を読み込みました`;
    schedule(0);
  } catch (error) {
    message.textContent = error.message_ja || '検索できませんでした';
  }
}

// Prints the PDF from a hidden frame; where the browser will not, opens it to print by hand.
function print() {
  if (!state.pdfUrl) return;
  const old = document.getElementById('print-frame');
  if (old) old.remove();
  const frame = document.createElement('iframe');
  frame.id = 'print-frame';
  frame.hidden = true;
  frame.src = state.pdfUrl;
  frame.addEventListener('load', () => {
    try {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    } catch (e) {
      window.open(state.pdfUrl, '_blank');
    }
  });
  document.body.append(frame);
}

document.addEventListener('DOMContentLoaded', init);
