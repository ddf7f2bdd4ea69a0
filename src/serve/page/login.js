// The login page: posts the user name and password to /api/login and, once the session
// cookie is set, goes to the counter page.
'use strict';

async function submit(event) {
  event.preventDefault();
  const message = document.getElementById('login-message');
  const button = document.getElementById('login-submit');
  const user = document.getElementById('login-user').value.trim();
  const password = document.getElementById('login-password').value;
  if (!user || !password) {
    message.textContent = 'ユーザー名とパスワードを入力してください';
    return;
  }
  button.disabled = true;
  message.textContent = '';
  try {
    const response = await fetch('/api/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user, password }),
    });
    if (response.ok) {
      window.location.assign('/');
      return;
    }
    const error = await response.json();
    message.textContent = error.message_ja || 'ログインできませんでした';
    document.getElementById('login-password').value = '';
  } catch (e) {
    message.textContent = 'サーバーに接続できません';
  } finally {
    button.disabled = false;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('login-form').addEventListener('submit', submit);
  document.getElementById('login-user').focus();
});
