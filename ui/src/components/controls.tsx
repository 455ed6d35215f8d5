import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { prettyJson } from '../model/format';

/** Copies text: the Clipboard API where the page is a secure context, else a hidden textarea. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall through to the older way.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let isCopied = false;
  try {
    isCopied = document.execCommand('copy');
  } catch {
    isCopied = false;
  }
  area.remove();
  return isCopied;
}

/** A button that copies `value` and says so (to screen readers too). `label` names what it copies. */
export function CopyButton({ value, label, className }: { value: string; label: string; className?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2000);
    return () => window.clearTimeout(timer);
  }, [state]);
  return (
    <>
      <button
        type="button"
        className={className ?? 'button button-small'}
        aria-label={`Copy ${label}`}
        onClick={() => {
          void copyText(value).then((ok) => setState(ok ? 'copied' : 'failed'));
        }}
      >
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="visually-hidden" aria-live="polite">
        {state === 'copied' ? `${label} copied` : state === 'failed' ? `Could not copy ${label}` : ''}
      </span>
    </>
  );
}

/** A labelled read-only value with a copy button; `isSecret` masks it until "Show" is pressed. */
export function CopyField({ label, value, isSecret = false }: { label: string; value: string; isSecret?: boolean }) {
  const id = useId();
  const [isShown, setShown] = useState(!isSecret);
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input
          id={id}
          className="input mono"
          type={isShown ? 'text' : 'password'}
          readOnly
          value={value}
          onFocus={(event) => event.currentTarget.select()}
          spellCheck={false}
          autoComplete="off"
        />
        {isSecret ? (
          <button
            type="button"
            className="button button-small"
            aria-label={`${isShown ? 'Hide' : 'Show'} ${label}`}
            aria-pressed={isShown}
            onClick={() => setShown((shown) => !shown)}
          >
            {isShown ? 'Hide' : 'Show'}
          </button>
        ) : null}
        <CopyButton value={value} label={label} />
      </div>
    </div>
  );
}

/** An on/off switch (`role="switch"`) with a visible label and an optional description. */
export function Switch({
  label,
  description,
  isOn,
  isBusy = false,
  isDisabled = false,
  onChange,
}: {
  label: string;
  description?: ReactNode;
  isOn: boolean;
  isBusy?: boolean;
  isDisabled?: boolean;
  onChange: (next: boolean) => void;
}) {
  const labelId = useId();
  const descriptionId = useId();
  return (
    <div className="switch-row">
      <button
        type="button"
        role="switch"
        aria-checked={isOn}
        aria-labelledby={labelId}
        aria-describedby={description ? descriptionId : undefined}
        aria-busy={isBusy}
        disabled={isDisabled || isBusy}
        className="switch"
        onClick={() => onChange(!isOn)}
      >
        <span className="switch-thumb" aria-hidden="true" />
      </button>
      <div>
        <span id={labelId} className="switch-label">
          {label}
        </span>
        <span className="switch-state" aria-hidden="true">
          {isOn ? 'On' : 'Off'}
        </span>
        {description ? (
          <p id={descriptionId} className="hint">
            {description}
          </p>
        ) : null}
      </div>
    </div>
  );
}

/** JSON in a scrollable, keyboard-focusable block. */
export function JsonView({
  value,
  label,
  emptyText = 'Nothing.',
}: {
  value: unknown;
  label: string;
  emptyText?: string;
}) {
  if (value === undefined || value === null) return <p className="muted">{emptyText}</p>;
  const text = typeof value === 'string' ? value : prettyJson(value);
  return (
    <div className="json-view">
      <pre tabIndex={0} aria-label={label} className="code">
        {text}
      </pre>
      <CopyButton value={text} label={label} className="button button-small json-copy" />
    </div>
  );
}

/**
 * A modal dialog (the native `<dialog>`: focus is kept inside, Escape closes it). Rendered only while open.
 */
export function Dialog({
  title,
  onClose,
  children,
  footer,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const cancel = (event: Event): void => {
      event.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', cancel);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
      // Back to where the person was: the control that opened the dialog.
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId}>
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="button button-ghost" aria-label="Close dialog" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="dialog-body">{children}</div>
      {footer ? <div className="dialog-foot">{footer}</div> : null}
    </dialog>
  );
}

/** A dialog's footer: a Cancel button that calls `onCancel`, then the dialog's own action buttons. */
export function DialogFooter({ onCancel, children }: { onCancel: () => void; children: ReactNode }) {
  return (
    <>
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
      {children}
    </>
  );
}
