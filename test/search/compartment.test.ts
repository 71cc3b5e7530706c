import type { AuditEvent, Observation, Patient } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { extractCompartments } from '../../src/search/compartment.ts';

const observation = (extra: Partial<Observation>): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'x' },
  ...extra,
});

describe('extractCompartments', () => {
  it('puts a Patient in its own compartment and those of the patients it links', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: 'p1',
      link: [{ other: { reference: 'Patient/p2' }, type: 'seealso' }],
    };
    expect(extractCompartments(patient)).toEqual(['Patient/p1', 'Patient/p2']);
  });

  it('puts an Observation in the compartments of its subject and performers', () => {
    const obs = observation({
      subject: { reference: 'Patient/p1' },
      performer: [{ reference: 'Patient/p2/_history/3' }, { reference: 'Practitioner/d1' }],
    });
    expect(extractCompartments(obs)).toEqual(['Patient/p1', 'Patient/p2']);
  });

  it('ignores subjects that are not patients, contained and foreign absolute references', () => {
    const obs = observation({
      subject: { reference: 'Group/g1' },
      performer: [{ reference: '#p' }, { reference: 'https://elsewhere.example/fhir/Patient/p1' }],
    });
    expect(extractCompartments(obs)).toEqual([]);
  });

  it('accepts absolute references under our own base URL', () => {
    const obs = observation({ subject: { reference: 'https://ward.example/fhir/Patient/p7' } });
    expect(extractCompartments(obs, 'https://ward.example/fhir/')).toEqual(['Patient/p7']);
    expect(extractCompartments(obs, 'https://ward.example/other')).toEqual([]);
  });

  it('puts an AuditEvent in the compartment of the patient it names', () => {
    const event: AuditEvent = {
      resourceType: 'AuditEvent',
      type: { code: 'rest' },
      recorded: '2024-01-01T00:00:00Z',
      agent: [{ requestor: true, who: { reference: 'Practitioner/d1' } }],
      source: { observer: { reference: 'Device/d' } },
      entity: [{ what: { reference: 'Patient/p3' } }, { what: { reference: 'Observation/o1' } }],
    };
    expect(extractCompartments(event)).toEqual(['Patient/p3']);
  });
});
