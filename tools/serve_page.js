// serve_page.js - the script of the page at / (fakejob serve): sends the posting to /v1/score
// and shows the verdict, the score against the thresholds, the red flags and the reasons with
// the library's labels in the page's language, and the evidence highlighted in place. Posting text is only ever set as text (textContent,
// text nodes), never parsed as HTML.
'use strict';
(function () {
  var UI = {
    zh: {
      title: '这个招聘信息是骗局吗？', tab_fields: '分栏填写', tab_raw: '整段粘贴', f_title: '职位名称',
      f_company: '公司', f_description: '职位描述', f_raw: '整段招聘信息，原样粘贴',
      f_key: 'API 密钥（服务要求时填写）', submit: '检测', privacy: '招聘信息只发送到本服务，不会被保存。',
      h_flags: '风险信号', h_reasons: '判断依据', h_posting: '招聘原文（证据已标出）',
      fraud: '诈骗', suspicious: '可疑', legit: '正常', score: '欺诈概率', th_susp: '可疑', th_fraud: '诈骗',
      none: '无', empty: '请至少填写职位名称或描述。', failed: '请求失败：', model: '模型：',
      c_signal: '依据', c_weight: '权重', c_evidence: '原文',
      field_title: '职位名称', field_company: '公司', field_description: '职位描述'
    },
    en: {
      title: 'Is this job posting a scam?', tab_fields: 'Fields', tab_raw: 'Raw text', f_title: 'Title',
      f_company: 'Company', f_description: 'Description', f_raw: 'The whole posting, pasted as it is',
      f_key: 'API key (only if the service asks for one)', submit: 'Check',
      privacy: 'The posting is sent to this service only and is not stored.',
      h_flags: 'Red flags', h_reasons: 'Why', h_posting: 'The posting, with the evidence highlighted',
      fraud: 'Fraud', suspicious: 'Suspicious', legit: 'Legitimate', score: 'probability of fraud',
      th_susp: 'suspicious', th_fraud: 'fraud', none: 'none', empty: 'Give at least a title or a description.',
      failed: 'The request failed: ', model: 'Model: ', c_signal: 'Reason', c_weight: 'Weight',
      c_evidence: 'Evidence', field_title: 'Title', field_company: 'Company', field_description: 'Description'
    }
  };
  var lang = (navigator.language || '').toLowerCase().indexOf('zh') === 0 ? 'zh' : 'en';
  var raw = false, model = null, last = null;
  var $ = function (id) { return document.getElementById(id); };
  function t(k) { return UI[lang][k] || k; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // A red flag's label, from the library's table (GET /v1/model's "signal_labels").
  function label(name) {
    var l = model && model.signal_labels ? model.signal_labels[name] : null;
    return l ? l[lang] : name;
  }
  // A reason's label ("中文 / English", from the library) in the page's language.
  function reasonLabel(rs) {
    var parts = (rs.label || '').split(' / ');
    return parts.length === 2 ? parts[lang === 'zh' ? 0 : 1] : rs.label || rs.signal;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function headers(json) {
    var h = {};
    if (json) h['Content-Type'] = 'application/json';
    var k = $('apikey').value.trim();
    if (k) h.Authorization = 'Bearer ' + k;
    return h;
  }
  function applyLang() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.querySelectorAll('[data-i18n]').forEach(function (e) { e.textContent = t(e.getAttribute('data-i18n')); });
    $('lang-zh').className = lang === 'zh' ? 'on' : '';
    $('lang-en').className = lang === 'en' ? 'on' : '';
    if (last) render(last.result, last.posting);
  }
  function loadModel() {
    return fetch('/v1/model', { headers: headers(false) })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) { if (m) model = m; })
      .catch(function () {});
  }
  // The text of `s` with the spans [start, end) (UTF-8 byte offsets) wrapped in <mark>.
  function highlighted(s, spans) {
    var enc = new TextEncoder(), dec = new TextDecoder();
    var b = enc.encode(s), box = el('div', 'text'), pos = 0;
    spans.sort(function (x, y) { return x.start - y.start; });
    spans.forEach(function (sp) {
      if (sp.start < pos || sp.end > b.length || sp.end <= sp.start) return;
      box.appendChild(document.createTextNode(dec.decode(b.slice(pos, sp.start))));
      var m = el('mark', sp.weight > 0 ? 'bad' : 'good', dec.decode(b.slice(sp.start, sp.end)));
      m.title = reasonLabel(sp);
      box.appendChild(m);
      pos = sp.end;
    });
    box.appendChild(document.createTextNode(dec.decode(b.slice(pos))));
    return box;
  }
  function render(r, posting) {
    $('out').className = '';
    var v = $('verdict');
    v.className = r.verdict;
    v.textContent = t(r.verdict);
    $('scoretext').textContent = t('score') + ' ' + (r.score * 100).toFixed(1) + '%';
    var bar = $('bar');
    bar.querySelectorAll('.tick').forEach(function (e) { bar.removeChild(e); });
    $('fill').style.width = (r.score * 100).toFixed(1) + '%';
    var th = model && model.thresholds ? model.thresholds[r.lang] : null;
    if (th) {
      var ticks = th.suspicious < th.fraud ? [['suspicious', 'th_susp'], ['fraud', 'th_fraud']] : [['fraud', 'th_fraud']];
      ticks.forEach(function (p) {
        var tick = el('div', 'tick');
        tick.style.left = (th[p[0]] * 100).toFixed(1) + '%';
        tick.appendChild(el('span', null, t(p[1]) + ' ' + th[p[0]].toFixed(2)));
        bar.appendChild(tick);
      });
    }
    var fl = $('flags');
    clear(fl);
    (r.flags || []).forEach(function (f) {
      var li = el('li', null, label(f) + ' ');
      li.appendChild(el('code', null, f));
      fl.appendChild(li);
    });
    if (!(r.flags || []).length) fl.appendChild(el('li', null, t('none')));
    var tb = $('reasons');
    clear(tb);
    var hr = el('tr');
    ['c_signal', 'c_weight', 'c_evidence'].forEach(function (k) { hr.appendChild(el('th', null, t(k))); });
    tb.appendChild(hr);
    (r.reasons || []).forEach(function (rs) {
      var tr = el('tr'), td = el('td', null, reasonLabel(rs) + ' ');
      td.appendChild(el('code', null, rs.signal));
      tr.appendChild(td);
      tr.appendChild(el('td', null, (rs.weight > 0 ? '+' : '') + rs.weight.toFixed(3)));
      // the evidence, or for the missing information what is missing
      var what = (rs.missing || []).map(reasonLabel).join(lang === 'zh' ? '、' : ', ');
      tr.appendChild(el('td', null, rs.evidence || what));
      tb.appendChild(tr);
    });
    var box = $('posting');
    clear(box);
    ['title', 'company', 'description'].forEach(function (f) {
      if (!posting[f]) return;
      var spans = (r.reasons || []).filter(function (rs) { return rs.field === f; });
      box.appendChild(el('h4', null, t('field_' + f)));
      box.appendChild(highlighted(posting[f], spans));
    });
    $('modelname').textContent = t('model') + (r.model || '');
  }
  function showError(msg) {
    $('out').className = 'hidden';
    $('error').textContent = msg;
  }
  function submit() {
    var posting = {};
    if (raw) {
      if ($('raw').value.trim()) posting.description = $('raw').value;
    } else {
      ['title', 'company', 'description'].forEach(function (f) {
        if ($(f).value.trim()) posting[f] = $(f).value;
      });
    }
    if (!posting.title && !posting.description) { showError(t('empty')); return; }
    $('error').textContent = '';
    var go = model ? Promise.resolve() : loadModel();
    go.then(function () {
      return fetch('/v1/score', { method: 'POST', headers: headers(true), body: JSON.stringify(posting) });
    }).then(function (resp) {
      return resp.json().then(function (j) { return { ok: resp.ok, body: j }; });
    }).then(function (x) {
      if (!x.ok || x.body.error) {
        showError(t('failed') + (x.body.error ? x.body.error.message : ''));
        return;
      }
      last = { result: x.body, posting: posting };
      render(x.body, posting);
      document.body.setAttribute('data-scored', String(Number(document.body.getAttribute('data-scored') || 0) + 1));
    }).catch(function (e) { showError(t('failed') + e); });
  }
  $('lang-zh').addEventListener('click', function () { lang = 'zh'; applyLang(); });
  $('lang-en').addEventListener('click', function () { lang = 'en'; applyLang(); });
  $('tab-fields').addEventListener('click', function () {
    raw = false; $('fields').className = ''; $('rawbox').className = 'hidden';
    $('tab-fields').className = 'on'; $('tab-raw').className = '';
  });
  $('tab-raw').addEventListener('click', function () {
    raw = true; $('fields').className = 'hidden'; $('rawbox').className = '';
    $('tab-fields').className = ''; $('tab-raw').className = 'on';
  });
  $('submit').addEventListener('click', submit);
  applyLang();
  loadModel();
})();
