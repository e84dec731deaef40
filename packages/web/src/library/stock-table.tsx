import type { StockLevel } from '../api/types.js';

/** Stock levels: in stock (flagged when below the model's threshold), reserved, deployed, retired. */
export function StockTable({ caption, levels, bySite }: { caption: string; levels: StockLevel[]; bySite: boolean }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            {bySite && <th scope="col">Site</th>}
            <th scope="col" className="numeric">
              In stock
            </th>
            <th scope="col" className="numeric">
              Threshold
            </th>
            <th scope="col" className="numeric">
              Reserved
            </th>
            <th scope="col" className="numeric">
              Deployed
            </th>
            <th scope="col" className="numeric">
              Retired
            </th>
          </tr>
        </thead>
        <tbody>
          {levels.length === 0 && (
            <tr>
              <td colSpan={bySite ? 7 : 6} className="empty">
                Nothing to show.
              </td>
            </tr>
          )}
          {levels.map((level) => (
            <tr key={`${level.modelId}-${level.siteId ?? 'all'}`} data-low={level.low}>
              <th scope="row">{level.model}</th>
              {bySite && <td>{level.site}</td>}
              <td className={`numeric${level.low ? ' low-stock' : ''}`}>
                {level.inStock}
                {level.low && <span> (low)</span>}
              </td>
              <td className="numeric">{level.threshold}</td>
              <td className="numeric">{level.reserved}</td>
              <td className="numeric">{level.deployed}</td>
              <td className="numeric">{level.retired}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
