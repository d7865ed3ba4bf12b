/** Dashboard entry: hash routing over the views, sign-in when no token is set. */
import { clearCredentials, loadCredentials, ApiError } from './api.ts';
import { appsPage, peerPage, sessionPage, sessionsPage, signIn } from './views.ts';
import { h } from './dom.ts';
import { overviewPage, qualityPeersPage } from './overview.ts';
import './style.css';

const root = document.getElementById('app')!;
const who = document.getElementById('who')!;

async function render(): Promise<void> {
  const c = loadCredentials();
  if (!c) {
    who.replaceChildren();
    signIn(root, () => void render());
    return;
  }
  const signOut = h('button', { type: 'button', class: 'link' }, 'sign out');
  signOut.addEventListener('click', () => {
    clearCredentials();
    void render();
  });
  who.replaceChildren(`account ${c.accountId} `, signOut);
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  root.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    if (parts[0] === 'apps' && parts[2] === 'sessions' && parts[3])
      await sessionPage(root, c, parts[1], parts[3]);
    else if (parts[0] === 'apps' && parts[2] === 'peers' && parts[3])
      await peerPage(root, c, parts[1], parts[3]);
    else if (parts[0] === 'apps' && parts[1] && (parts[2] === undefined || parts[2] === 'quality'))
      // An app opens on its quality overview (`…/quality` is the older address of the same page).
      await overviewPage(root, c, parts[1]);
    else if (parts[0] === 'apps' && parts[2] === 'sessions' && !parts[3])
      await sessionsPage(root, c, parts[1]);
    else if (parts[0] === 'apps' && parts[2] === 'quality-peers')
      await qualityPeersPage(
        root,
        c,
        parts[1],
        parts[3] ?? '',
        Math.max(1, Number(parts[4] ?? 1) || 1),
      );
    else if (parts[0] === 'apps' && parts[2] === 'page' && /^\d+$/.test(parts[3] ?? ''))
      await sessionsPage(root, c, parts[1], Math.max(1, Number(parts[3])));
    else await appsPage(root, c);
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 0;
    root.replaceChildren(
      h(
        'p',
        { class: 'error', role: 'alert' },
        `Error${status ? ` ${status}` : ''}: ${(err as Error).message}`,
      ),
    );
    if (status === 401) clearCredentials();
  }
}

window.addEventListener('hashchange', () => void render());
void render();
