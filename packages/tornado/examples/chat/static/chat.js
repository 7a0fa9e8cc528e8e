// tornado's demos/chat/static/chat.js without jQuery: the form posts with fetch, and one long
// poll at a time waits for new messages (POST /a/message/updates with the last message's id).
// Every POST carries the XSRF token, read from the _xsrf cookie as tornado's demo reads it.
/* global document */
'use strict';

function getCookie(name) {
  const match = document.cookie.match(new RegExp('(?:^|;\\s*)' + name + '=([^;]*)'));
  return match ? decodeURIComponent(match[1]) : undefined;
}

function post(url, fields) {
  const body = new URLSearchParams(fields);
  body.set('_xsrf', getCookie('_xsrf'));
  return fetch(url, { method: 'POST', body, credentials: 'same-origin' });
}

const inbox = document.getElementById('inbox');
const form = document.getElementById('messageform');
const input = document.getElementById('message');

function showMessage(message) {
  if (document.getElementById('m' + message.id)) return; // seen already
  inbox.insertAdjacentHTML('beforeend', message.html);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = input.value;
  if (body === '') return;
  input.disabled = true;
  try {
    const response = await post('/a/message/new', { body });
    if (response.ok) {
      showMessage(await response.json());
      input.value = '';
    }
  } finally {
    input.disabled = false;
    input.focus();
  }
});

async function poll() {
  let errorSleep = 500;
  for (;;) {
    const last = inbox.lastElementChild;
    const fields = last ? { cursor: last.id.slice(1) } : {};
    try {
      const response = await post('/a/message/updates', fields);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { messages } = await response.json();
      for (const message of messages) showMessage(message);
      errorSleep = 500;
    } catch (error) {
      console.warn('poll failed; again in', errorSleep, 'ms:', error);
      await new Promise((resolve) => setTimeout(resolve, errorSleep));
      errorSleep = Math.min(errorSleep * 2, 60_000);
    }
  }
}

poll();
