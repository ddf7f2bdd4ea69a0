// The counter page of `shikaku serve`: a form built from /api/schema, a debounced PNG preview,
// the rules' decision with its reasons, each field's Japanese message beside the field, and,
// for the issue role, the download and print of the PDF with the reason for issuing it.
'use strict';

const DEBOUNCE_MS = 300;
const WIDE_FIELDS = ['name', 'name_kana', 'address', 'householder_name', 'remarks'];
const PLACEHOLDERS = { date: '例 2025-08-01', postal_code: '例 370-0801' };

const state = {
  schema: [],
  layouts: [],
  issuers: [],
  timer: null,
  seq: 0,
  controller: null,
  imageUrls: [],
  session: null, // {login, user, role}
  ready: null, // the record and layout the preview shows, once it is shown
};

const $ = (id) => document.getElementById(id);

function setStatus(text, error) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', Boolean(error));
}

// A session that has ended (401) sends the browser to the login page.
function checkSession(response) {
  if (response.status === 401) {
    window.location.assign('/login');
    throw new Error('logged out');
  }
  return response;
}

async function getJson(url) {
  const response = checkSession(await fetch(url, { headers: { Accept: 'application/json' } }));
  const body = await response.json();
  if (!response.ok) throw body;
  return body;
}

async function init() {
  try {
    state.session = await getJson('/api/session');
    [state.schema, state.layouts, state.issuers] = await Promise.all([
      getJson('/api/schema'), getJson('/api/layouts'), getJson('/api/issuers'),
    ]);
  } catch (e) {
    setStatus('サーバーに接続できません', true);
    return;
  }
  showSession();
  buildLayouts();
  buildIssuers();
  buildForm();
  $('lookup').addEventListener('submit', (event) => { event.preventDefault(); lookup(); });
  $('layout').addEventListener('change', () => schedule(0));
  $('clear').addEventListener('click', () => { fill({}); schedule(0); });
  $('download').addEventListener('click', () => issue('download'));
  $('print').addEventListener('click', () => issue('print'));
  $('reason').addEventListener('change', onReason);
  $('logout').addEventListener('click', logout);
  fill({});
  setStatus('入力してください');
}

// The user and role in the header; the issue controls for the issue role only.
function showSession() {
  const session = state.session;
  if (session.login) {
    $('who-name').textContent = `${session.user}（${session.role_label}）`;
    $('who').hidden = false;
  }
  $('issue').hidden = session.role !== 'issue';
}

async function logout() {
  await fetch('/api/logout', { method: 'POST' }).catch(() => undefined);
  window.location.assign('/login');
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

async function post(path, record, signal, layout) {
  const chosen = layout || $('layout').value;
  const separator = path.includes('?') ? '&' : '?';
  const url = chosen ? `${path}${separator}layout=${encodeURIComponent(chosen)}` : path;
  return checkSession(await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(record),
    signal,
  }));
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
    const [explain, first] = await Promise.all([
      post('/api/explain', record, controller.signal),
      post('/api/render?format=png&page=1', record, controller.signal),
    ]);
    if (seq !== state.seq) return;
    const explained = await explain.json();
    showDecision(explain.ok ? explained : null);
    if (!first.ok) {
      const error = await first.json();
      if (seq !== state.seq) return;
      showFieldErrors(error.errors || [error]);
      clearPreview('error');
      setStatus('入力に誤りがあります', true);
      return;
    }
    showFieldErrors([]);
    const layout = first.headers.get('X-Shikaku-Layout') || 'document';
    const pages = Number(first.headers.get('X-Shikaku-Pages') || '1');
    const images = [URL.createObjectURL(await first.blob())];
    for (let page = 2; page <= pages; page++) {
      const response = await post(`/api/render?format=png&page=${page}`, record, controller.signal, layout);
      if (!response.ok) throw new Error(`PNG ${response.status}`);
      images.push(URL.createObjectURL(await response.blob()));
    }
    if (seq !== state.seq) {
      images.forEach((url) => URL.revokeObjectURL(url));
      return;
    }
    await showPreview(record, images, layout, seq);
  } catch (e) {
    if (e.name === 'AbortError') return;
    if (seq !== state.seq) return;
    clearPreview('error');
    setStatus('サーバーに接続できません', true);
  }
}

async function showPreview(record, images, layout, seq) {
  clearPreview('loading');
  const preview = $('preview');
  preview.textContent = '';
  state.imageUrls = images;
  const loads = images.map((url, i) => {
    const img = document.createElement('img');
    img.alt = `${i + 1}ページ目のプレビュー`;
    img.src = url;
    preview.append(img);
    return img.decode().catch(() => undefined);
  });
  await Promise.all(loads);
  if (seq !== state.seq) return;
  state.ready = { record, layout };
  preview.dataset.kind = 'png';
  preview.dataset.layout = layout;
  preview.dataset.state = 'ready';
  updateIssueButtons();
  if ($('reason').value.startsWith('reissue')) showHistory(record.record_id);
  setStatus('最新の内容です');
}

function updateIssueButtons() {
  const can = Boolean(state.ready) && $('reason').value !== '';
  $('download').disabled = !can;
  $('print').disabled = !can;
  $('issue-message').textContent = state.ready && !$('reason').value ? '交付の理由を選んでください' : '';
}

// Choosing 再交付 shows the member's documents issued before.
function onReason() {
  updateIssueButtons();
  if ($('reason').value.startsWith('reissue') && state.ready) showHistory(state.ready.record.record_id);
}

async function showHistory(recordId) {
  const box = $('history');
  const list = $('history-list');
  if (!recordId) return;
  let found;
  try {
    found = await getJson(`/api/ledger/${encodeURIComponent(recordId)}`);
  } catch (error) {
    list.textContent = error.message_ja || '交付履歴を読み込めません';
    box.hidden = false;
    return;
  }
  list.textContent = '';
  if (found.documents.length === 0) {
    list.textContent = 'この方に交付した書類の記録はありません';
  } else {
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    for (const title of ['交付日時', '書類', '理由', '有効期限', '担当']) {
      const th = document.createElement('th');
      th.textContent = title;
      head.append(th);
    }
    const body = table.createTBody();
    for (const doc of found.documents) {
      const row = body.insertRow();
      for (const value of [doc.issued_at, doc.layout_title || doc.layout, doc.reason_label, doc.expiry_date || '記載なし', doc.user]) {
        row.insertCell().textContent = value;
      }
    }
    list.append(table);
  }
  box.hidden = false;
}

// Downloads or prints the PDF of what the preview shows; the server records it as issued.
async function issue(action) {
  if (!state.ready) return;
  const reason = $('reason').value;
  if (!reason) {
    updateIssueButtons();
    return;
  }
  const { record, layout } = state.ready;
  const message = $('issue-message');
  message.textContent = '';
  let response;
  try {
    response = await post(`/api/render?action=${action}&reason=${reason}`, record, undefined, layout);
  } catch (e) {
    message.textContent = 'サーバーに接続できません';
    return;
  }
  if (!response.ok) {
    const error = await response.json();
    message.textContent = error.message_ja;
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  if (action === 'download') {
    const a = document.createElement('a');
    a.href = url;
    a.download = `${layout}-${String(record.record_id || 'record').replace(/[^\w.-]/g, '_')}.pdf`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } else {
    print(url);
  }
  message.textContent = action === 'download' ? 'PDFをダウンロードしました（交付を記録しました）' : '印刷に送りました（交付を記録しました）';
  message.classList.add('info');
}

function clearPreview(nextState) {
  state.imageUrls.forEach((url) => URL.revokeObjectURL(url));
  state.imageUrls = [];
  state.ready = null;
  $('download').disabled = true;
  $('print').disabled = true;
  $('history').hidden = true;
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
  // Characters printed from a fallback font, by substitution or from 外字: staff see which.
  for (const c of explained.characters || []) {
    add(`${c.label}の文字`, `${c.chars}（${c.text}）: ${c.message_ja}`);
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
function print(url) {
  const old = document.getElementById('print-frame');
  if (old) old.remove();
  const frame = document.createElement('iframe');
  frame.id = 'print-frame';
  frame.hidden = true;
  frame.src = url;
  frame.addEventListener('load', () => {
    try {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    } catch (e) {
      window.open(url, '_blank');
    }
  });
  document.body.append(frame);
}

document.addEventListener('DOMContentLoaded', init);
