// tornado's demos/websocket/static/chat.js without jQuery: one WebSocket to /chatsocket; the form
// sends each message on it as JSON, and each message the server sends (rendered already, by
// message.html) is added to the inbox unless it is there.
/* global document, location */
'use strict';

const inbox = document.getElementById('inbox');
const form = document.getElementById('messageform');
const input = document.getElementById('message');

const updater = {
  socket: null,

  start() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    updater.socket = new WebSocket(scheme + location.host + '/chatsocket');
    updater.socket.onmessage = (event) => updater.showMessage(JSON.parse(event.data));
  },

  showMessage(message) {
    if (document.getElementById('m' + message.id)) return; // seen already
    inbox.insertAdjacentHTML('beforeend', message.html);
  },
};

function newMessage() {
  const body = input.value;
  if (body === '') return;
  updater.socket.send(JSON.stringify({ body }));
  input.value = '';
  input.focus();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  newMessage();
});

updater.start();
