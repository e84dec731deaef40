import { Link } from 'react-router';
import { ciPath, classLabel } from './ci-format.js';

/** A link to a CI page, with the class beside the name so `server/web01` and `application/web01` differ. */
export function CiLink({
  ci,
  showClass = true,
}: {
  ci: { id: number; class: string; name: string };
  showClass?: boolean;
}) {
  return (
    <>
      <Link to={ciPath(ci.id)}>{ci.name}</Link>
      {showClass && <span className="muted small"> {classLabel(ci.class)}</span>}
    </>
  );
}
