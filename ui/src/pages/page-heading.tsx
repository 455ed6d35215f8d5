import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A page's heading and its actions. The heading takes focus when the page opens, so keyboard and
 * screen reader users start where the new page starts (hash navigation does not move focus by itself).
 */
export function PageHeading({
  title,
  eyebrow,
  children,
  documentTitle,
}: {
  title: ReactNode;
  eyebrow?: ReactNode;
  children?: ReactNode;
  /** The browser tab's title (what screen readers announce on arrival), before "· Weir". */
  documentTitle?: string;
}) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const text = documentTitle ?? (typeof title === 'string' ? title : undefined);
    document.title = text ? `${text} · Weir` : 'Weir';
  }, [documentTitle, title]);
  useEffect(() => {
    if (document.activeElement === document.body || document.activeElement === null)
      ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <div className="page-heading">
      <div>
        {eyebrow ? <div className="eyebrow">{eyebrow}</div> : null}
        <h1 ref={ref} tabIndex={-1}>
          {title}
        </h1>
      </div>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  );
}
