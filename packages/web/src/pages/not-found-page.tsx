import { Link, useLocation } from 'react-router';
import { useDocumentTitle } from '../hooks/use-document-title.js';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  const location = useLocation();
  return (
    <section className="page" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p>
        There is no page at <code>{location.pathname}</code>. <Link to="/">Go to the start page</Link>.
      </p>
    </section>
  );
}
